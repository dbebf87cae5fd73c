package lever

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestEqualSurvivesJSONRoundTrip(t *testing.T) {
	f := Fields{"n": 2, "list": []string{"a", "b"}, "b": true, "nil": nil}
	raw, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	var back Fields
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	if d := Diff(f, back); len(d) != 0 {
		t.Fatalf("round trip changed fields: %+v", d)
	}
	if d := Diff(Fields{"x": nil}, Fields{}); len(d) != 0 {
		t.Fatalf("missing key must equal nil: %+v", d)
	}
}

func TestMerge(t *testing.T) {
	orig := Fields{"reviews": 2, "admins": true, "deletions": false}
	relaxed := Fields{"reviews": nil, "admins": true, "deletions": false}
	tests := []struct {
		name          string
		live, desired Fields
		want          Fields
		drift, confl  []string
	}{
		{"clean restore", relaxed, orig, orig, nil, nil},
		{"someone else's change is kept", Fields{"reviews": nil, "admins": false, "deletions": false}, orig,
			Fields{"reviews": 2, "admins": false, "deletions": false}, []string{"admins"}, nil},
		{"a relaxed field changed by someone is put back", Fields{"reviews": 1, "admins": true, "deletions": false}, orig,
			orig, nil, []string{"reviews"}},
		{"partial close keeps what others still need", relaxed, relaxed, relaxed, nil, nil},
		{"a field appearing only live is kept", Fields{"reviews": nil, "admins": true, "deletions": false, "lock": true}, orig,
			Fields{"reviews": 2, "admins": true, "deletions": false, "lock": true}, []string{"lock"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Merge(orig, relaxed, tt.live, tt.desired)
			if d := Diff(tt.want, p.Want); len(d) != 0 {
				t.Errorf("want differs: %+v", d)
			}
			if got := fieldsOf(p.Drift); !reflect.DeepEqual(got, tt.drift) {
				t.Errorf("drift = %v, want %v", got, tt.drift)
			}
			if got := fieldsOf(p.Conflicts); !reflect.DeepEqual(got, tt.confl) {
				t.Errorf("conflicts = %v, want %v", got, tt.confl)
			}
		})
	}
}

func fieldsOf(cs []Change) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Field)
	}
	return out
}
