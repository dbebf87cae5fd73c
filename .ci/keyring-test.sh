#!/usr/bin/env bash
# Store, read and delete a token through a real Secret Service
# (gnome-keyring on a private D-Bus session), the way glass does on Linux.
# Installs Debian's gnome-keyring and dbus if they are missing. Not dbus-x11:
# its dbus-launch makes go-keyring autolaunch a session bus whose locked
# keyring then blocks every glass run without DBUS_SESSION_BUS_ADDRESS until
# the keyring timeout (measured: 5 s per call); dbus-run-session needs none
# of it. Called from
# .ci/run; runnable by hand as root or with sudo.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v gnome-keyring-daemon >/dev/null || need+=(gnome-keyring)
command -v dbus-run-session >/dev/null || need+=(dbus)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "== installing ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

echo "== go test ./internal/auth/keyring -run SecretService (real Secret Service)"
# gnome-keyring-daemon --unlock reads the login keyring's password from
# stdin, creates the keyring if needed and leaves it unlocked; --start would
# only attach to a running daemon. The test must not run before the secrets
# component owns org.freedesktop.secrets on the bus, hence the wait.
dbus-run-session -- sh -c '
  set -e
  eval "$(printf "test" | gnome-keyring-daemon --unlock --components=secrets)"
  export GNOME_KEYRING_CONTROL
  for i in $(seq 1 50); do
    dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
      org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q "boolean true" && break
    sleep 0.1
  done
  GLASS_TEST_SECRET_SERVICE=1 go test -count=1 ./internal/auth/keyring -run SecretService -v
'
