#!/bin/sh
# Regenerate api.github.com.subset.json from GitHub's published OpenAPI
# description (@octokit/openapi on npm). Needs npm and go; run from anywhere.
# The test suite only reads the committed subset and never needs the network.
set -eu
VERSION="${OCTOKIT_OPENAPI_VERSION:-23.0.2}"
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "@octokit/openapi@$VERSION" >/dev/null)
tar -xzf "$tmp"/octokit-openapi-"$VERSION".tgz -C "$tmp" package/generated/api.github.com.json
cd "$root"
go run ./internal/ghsim/contract/cmd/subset \
	-in "$tmp/package/generated/api.github.com.json" \
	-ops testdata/openapi/operations.txt \
	-out testdata/openapi/api.github.com.subset.json
echo "@octokit/openapi@$VERSION" > testdata/openapi/VERSION
