package ledger

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Length caps for user text in the readable part of the body. The full,
// untruncated text is always in the state block (base64, so it cannot break
// anything); the caps keep the body under GitHub's 65,536-character limit.
const (
	maxReason = 2000
	maxShort  = 200 // incident, logins, rule names, one-line texts
	maxText   = 4000
)

const zwsp = "\u200b"

// inline renders untrusted text for one line of markdown: newlines and tabs
// become spaces, and nothing in it can open an HTML comment or tag, start a
// heading, list, quote, link, image, code span, table cell or emphasis, or
// mention a person or team, or cross-reference an issue. The text stays
// readable on GitHub: escapes render as the characters typed.
func inline(s string, max int) string {
	s, more := truncate(strings.Join(strings.Fields(clean(s)), " "), max)
	return escape(s, false) + more
}

// multiline is inline for text kept on several lines (a reason); each line
// is escaped as the start of a line, then the caller quotes it.
func multiline(s string, max int) []string {
	s, more := truncate(strings.TrimSpace(clean(s)), max)
	var out []string
	for _, l := range strings.Split(s, "\n") {
		l = strings.Join(strings.Fields(l), " ")
		out = append(out, escape(l, true))
	}
	out[len(out)-1] += more
	return out
}

// clean drops control characters (keeping newlines), bidirectional overrides
// (which can make a record read differently from what it says) and invalid
// UTF-8.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n':
			return r
		case r == '\t' || r == '\r':
			return ' '
		case unicode.IsControl(r):
			return -1
		case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069, r == 0x200E, r == 0x200F:
			return -1
		case r == 0x200B || r == 0xFEFF || r == 0x2060:
			// Zero-width characters are dropped so that the ones escape
			// adds are the only ones, and "@\u200b" cannot be pre-broken.
			return -1
		}
		return r
	}, s)
}

// truncate cuts s to max runes; more is the (already safe) note to append
// after escaping.
func truncate(s string, max int) (cut, more string) {
	if n := utf8.RuneCountInString(s); n > max {
		return string([]rune(s)[:max]), fmt.Sprintf(" [… %d more characters in the state block]", n-max)
	}
	return s, ""
}

// escape does the character-level work of inline. HTML-significant '<', '>'
// and '&' become entities: a backslash would leave "<!--" in the raw body,
// where ParseBody (and GitHub) would see it.
func escape(s string, lineStart bool) string {
	var b strings.Builder
	rs := []rune(s)
	for i, r := range rs {
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '@':
			// A zero-width space after @ stops GitHub from linking and
			// notifying; real mentions come only from BodyExtras.Mentions.
			b.WriteByte('@')
			// GitHub only links an @ that follows a non-word character
			// ("a@b" is not a mention), so keep e-mail-like text intact.
			if i == 0 || !isWord(rs[i-1]) {
				b.WriteString(zwsp)
			}
		case '#':
			// Neither a heading ("# x") nor an issue reference ("#12").
			b.WriteString("#" + zwsp)
		case '\\', '`', '*', '_', '[', ']', '|', '~', '!':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '-', '+', '=':
			if lineStart && i == 0 {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		case '.', ')':
			// "1. x" and "1) x" start ordered lists at the start of a line.
			if lineStart && i > 0 && allDigits(rs[:i]) {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isWord(r rune) bool {
	return r < utf8.RuneSelf && (r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
}

func allDigits(rs []rune) bool {
	for _, r := range rs {
		if r < '0' || r > '9' {
			return false
		}
	}
	return len(rs) > 0
}

// loginRE is GitHub's login syntax; teamRE an org/team mention. Mentions that
// do not match are dropped, so even the trusted list cannot inject markdown.
var (
	loginRE = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9]|-[A-Za-z0-9]){0,38}$`)
	teamRE  = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9]|-[A-Za-z0-9]){0,38}/[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$`)
)

// validMention reports whether m (without '@') is a login or org/team.
func validMention(m string) bool {
	m = strings.TrimPrefix(m, "@")
	return loginRE.MatchString(m) || teamRE.MatchString(m)
}

// plain is for the issue title, which GitHub shows as plain text: only
// control characters and length matter there.
func plain(s string, max int) string {
	s = strings.Join(strings.Fields(clean(s)), " ")
	if utf8.RuneCountInString(s) > max {
		s = string([]rune(s)[:max-1]) + "…"
	}
	return s
}
