package lever

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
)

// Fields is a flat view of one setting: each key is a field path such as
// "required_pull_request_reviews.required_approving_review_count" and each
// value is JSON-compatible (nil, bool, number, string, []string). A missing
// key means the same as nil. Lists whose order GitHub does not preserve must
// be sorted by the lever, so that equal settings compare equal.
type Fields map[string]any

// Clone returns a shallow copy (values are treated as immutable).
func (f Fields) Clone() Fields {
	out := make(Fields, len(f))
	for k, v := range f {
		out[k] = v
	}
	return out
}

// Keys returns the sorted keys of all the given field sets together.
func Keys(sets ...Fields) []string {
	seen := map[string]bool{}
	var keys []string
	for _, s := range sets {
		for k := range s {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	sort.Strings(keys)
	return keys
}

// canon encodes a value so that values that mean the same compare equal
// after a JSON round trip (int 2 and float64 2, []string and []any).
func canon(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		return []byte(fmt.Sprintf("!%v", v))
	}
	return b
}

// Equal reports whether two field values mean the same.
func Equal(a, b any) bool { return bytes.Equal(canon(a), canon(b)) }

// Mismatch is one field whose live value is not the expected one.
type Mismatch struct {
	Field string `json:"field"`
	Want  any    `json:"want"`
	Got   any    `json:"got"`
}

// Diff compares two field sets field by field, in key order.
func Diff(want, got Fields) []Mismatch {
	var out []Mismatch
	for _, k := range Keys(want, got) {
		if !Equal(want[k], got[k]) {
			out = append(out, Mismatch{Field: k, Want: want[k], Got: got[k]})
		}
	}
	return out
}

// Change is a field somebody else changed while glass held the door open.
type Change struct {
	Field    string `json:"field"`
	Original any    `json:"original"` // before glass opened
	Expected any    `json:"expected"` // what glass had set
	Live     any    `json:"live"`     // what glass found at restore time
	Result   any    `json:"result"`   // what glass restored it to
}

// Plan is the outcome of a three-way restore.
type Plan struct {
	Want      Fields   `json:"want"`      // what to make live
	Drift     []Change `json:"drift"`     // changed by someone else on a field glass did not touch: kept
	Conflicts []Change `json:"conflicts"` // changed by someone else on a field glass relaxed: put back
}

// Merge computes a three-way restore. orig is the setting before any
// override; expected is what glass last made live; live is what is live now;
// desired is what glass wants now (orig when no override remains, or orig
// relaxed by the overrides still open). A field nobody else touched becomes
// desired. A field someone else changed keeps their value when glass had no
// stake in it, and is put back (and reported as a conflict) when glass did.
// Nothing anybody did is dropped without being reported.
func Merge(orig, expected, live, desired Fields) Plan {
	p := Plan{Want: Fields{}}
	for _, k := range Keys(orig, expected, live, desired) {
		if Equal(live[k], expected[k]) {
			p.Want[k] = desired[k]
			continue
		}
		c := Change{Field: k, Original: orig[k], Expected: expected[k], Live: live[k]}
		if Equal(expected[k], orig[k]) && Equal(desired[k], orig[k]) {
			c.Result = live[k]
			p.Want[k] = live[k]
			p.Drift = append(p.Drift, c)
			continue
		}
		c.Result = desired[k]
		p.Want[k] = desired[k]
		p.Conflicts = append(p.Conflicts, c)
	}
	return p
}
