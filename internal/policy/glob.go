package policy

import (
	"errors"
	"strings"
)

// Branch and repository patterns follow GitHub's branch-protection style:
// "*" matches any run of characters except "/", "**" matches anything
// including "/", "?" matches one character except "/"; everything else is
// literal. So "release/*" matches "release/1.2" but not "release/1.2/hotfix".
//
// Character classes ([abc]) are deliberately not supported: they are rare in
// branch names and easy to misread in review.

func checkGlob(p string) error {
	switch {
	case p == "":
		return errors.New("empty pattern")
	case len(p) > 255:
		return errors.New("pattern longer than 255 characters")
	case strings.TrimSpace(p) != p || strings.ContainsAny(p, " \t\n"):
		return errors.New("pattern contains whitespace")
	case strings.ContainsAny(p, "[]"):
		return errors.New("character classes ([...]) are not supported; list the branches or use * and ?")
	case strings.Contains(p, "***"):
		return errors.New("*** is not a pattern; use ** to match across /")
	}
	return nil
}

// matchGlob reports whether s matches pattern p. It runs in O(len(p)·len(s))
// time, so a hostile pattern cannot make a decision slow.
func matchGlob(p, s string) bool {
	type tok struct {
		kind byte // 'l' literal, '*' star, 'A' double star, '?' one
		c    byte
	}
	var toks []tok
	for i := 0; i < len(p); i++ {
		switch {
		case p[i] == '*' && i+1 < len(p) && p[i+1] == '*':
			toks = append(toks, tok{kind: 'A'})
			for i+1 < len(p) && p[i+1] == '*' {
				i++
			}
		case p[i] == '*':
			toks = append(toks, tok{kind: '*'})
		case p[i] == '?':
			toks = append(toks, tok{kind: '?'})
		default:
			toks = append(toks, tok{kind: 'l', c: p[i]})
		}
	}
	// cur[j]: the tokens so far match s[:j].
	cur := make([]bool, len(s)+1)
	next := make([]bool, len(s)+1)
	cur[0] = true
	for _, t := range toks {
		clear(next)
		switch t.kind {
		case 'A':
			reach := false
			for j := 0; j <= len(s); j++ {
				reach = reach || cur[j]
				next[j] = reach
			}
		case '*':
			reach := false
			for j := 0; j <= len(s); j++ {
				if cur[j] {
					reach = true
				}
				next[j] = reach
				if j < len(s) && s[j] == '/' {
					reach = false
				}
			}
		case '?':
			for j := 0; j < len(s); j++ {
				next[j+1] = cur[j] && s[j] != '/'
			}
		default:
			for j := 0; j < len(s); j++ {
				next[j+1] = cur[j] && s[j] == t.c
			}
		}
		cur, next = next, cur
	}
	return cur[len(s)]
}

func matchAny(patterns []string, s string) bool {
	for _, p := range patterns {
		if matchGlob(p, s) {
			return true
		}
	}
	return false
}
