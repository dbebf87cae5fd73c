package ledger

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/glass-cli/glass/internal/lever"
	"github.com/glass-cli/glass/internal/override"
)

// StateVersion is the version of the state block glass writes. Readers
// refuse other versions rather than guess (ErrUnsupportedVersion).
const StateVersion = 1

// MaxBody is GitHub's cap on issue and comment bodies (characters).
const MaxBody = 65536

const (
	stateOpen  = "<!-- glass:state "
	eventOpen  = "<!-- glass:event "
	blockClose = "-->"
	b64Line    = 76
)

// Typed errors of the state block and the store. Use errors.Is.
var (
	ErrNoStateBlock       = errors.New("no glass state block")
	ErrDigestMismatch     = errors.New("glass state block digest does not match its content (the record was edited)")
	ErrUnsupportedVersion = errors.New("unsupported glass state block version")
	ErrMalformed          = errors.New("malformed glass state block")
	ErrMultipleBlocks     = errors.New("more than one glass state block")
	ErrTooLarge           = errors.New("audit record too large for a GitHub issue (65,536 characters)")
)

// state is what the block holds: the override, and the parts of the body
// that are not in the model but must survive a re-render by another process
// (Save only has the override).
type state struct {
	Override *override.Override `json:"override"`
	Extras   *BodyExtras        `json:"extras,omitempty"`
}

// encodeState returns the block for o. The JSON is compact (json.Marshal
// compacts the raw snapshot too) and is the exact byte string digested, so
// `base64 -d | sha256sum` checks a record by hand.
func encodeState(o *override.Override, x BodyExtras) (string, error) {
	st := state{Override: o}
	if !x.empty() {
		xc := x
		st.Extras = &xc
	}
	js, err := json.Marshal(st)
	if err != nil {
		return "", fmt.Errorf("encode state block: %w", err)
	}
	sum := sha256.Sum256(js)
	enc := base64.StdEncoding.EncodeToString(js)
	var b strings.Builder
	fmt.Fprintf(&b, "%sv%d sha256=%s\n", stateOpen, StateVersion, hex.EncodeToString(sum[:]))
	for len(enc) > b64Line {
		b.WriteString(enc[:b64Line])
		b.WriteByte('\n')
		enc = enc[b64Line:]
	}
	b.WriteString(enc)
	b.WriteString("\n" + blockClose)
	return b.String(), nil
}

// decodeState finds the one state block in body and checks it.
func decodeState(body string) (*state, error) {
	body = strings.ReplaceAll(body, "\r\n", "\n") // the web editor writes CRLF
	i := strings.Index(body, stateOpen)
	if i < 0 {
		return nil, ErrNoStateBlock
	}
	if strings.Contains(body[i+len(stateOpen):], stateOpen) {
		return nil, ErrMultipleBlocks
	}
	rest := body[i+len(stateOpen):]
	j := strings.Index(rest, blockClose)
	if j < 0 {
		return nil, fmt.Errorf("%w: not closed", ErrMalformed)
	}
	inner := rest[:j]
	nl := strings.IndexByte(inner, '\n')
	if nl < 0 {
		return nil, fmt.Errorf("%w: no payload", ErrMalformed)
	}
	hdr := strings.Fields(inner[:nl])
	if len(hdr) < 1 || !strings.HasPrefix(hdr[0], "v") {
		return nil, fmt.Errorf("%w: no version", ErrMalformed)
	}
	if hdr[0] != fmt.Sprintf("v%d", StateVersion) {
		return nil, fmt.Errorf("%w %q (this glass reads v%d; upgrade glass)", ErrUnsupportedVersion, hdr[0], StateVersion)
	}
	var want string
	for _, h := range hdr[1:] {
		if v, ok := strings.CutPrefix(h, "sha256="); ok {
			want = v
		}
	}
	if len(want) != 64 {
		return nil, fmt.Errorf("%w: no sha256 digest", ErrMalformed)
	}
	js, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(inner[nl+1:]), ""))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	sum := sha256.Sum256(js)
	if hex.EncodeToString(sum[:]) != strings.ToLower(want) {
		return nil, ErrDigestMismatch
	}
	var st state
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields() // a v1 reader must not silently drop fields
	if err := dec.Decode(&st); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if st.Override == nil {
		return nil, fmt.Errorf("%w: no override", ErrMalformed)
	}
	return &st, nil
}

// BodyExtras is what the body shows beyond the override itself. Everything
// here is trusted (it comes from policy and levers, not from the user's
// typing) but is still escaped, except Mentions, which become real mentions.
type BodyExtras struct {
	// Mentions are logins or org/team slugs to notify with a real @mention
	// (policy's approvers, on-call). Entries that are not valid GitHub
	// logins are dropped.
	Mentions []string `json:"mentions,omitempty"`
	// CloseHint is the command that closes the override early, e.g.
	// "glass close acme/audit#12". Empty: derived from the override ID.
	CloseHint string `json:"close_hint,omitempty"`
	// Notices are side effects shown before confirming (queued auto-merges,
	// invitations).
	Notices []lever.Notice `json:"notices,omitempty"`
	// PolicyDecision explains which rule allowed (or asked approval for) the
	// override.
	PolicyDecision string `json:"policy_decision,omitempty"`
	// Record holds the events that closed the override (reverted and
	// verified, activity; a denial), written by the same PATCH that
	// closes the issue (Store.SaveRecord): a closed issue always carries
	// its rollback record, whatever happens to the comments posted beside
	// it as readable copies. The body shows them under "Closing record".
	Record []Event `json:"record,omitempty"`
}

func (x BodyExtras) empty() bool {
	return len(x.Mentions) == 0 && x.CloseHint == "" && len(x.Notices) == 0 && x.PolicyDecision == "" && len(x.Record) == 0
}

// withRecord returns x with evs in its Record, an event replacing one of
// the same key (a retried or reconciled close records once).
func (x BodyExtras) withRecord(evs ...Event) BodyExtras {
	out := append([]Event(nil), x.Record...)
	for _, ev := range evs {
		ev.Kind = Kind(safeKind(ev.Kind))
		ev.Key = ev.key()
		replaced := false
		for i := range out {
			if out[i].Key == ev.Key {
				out[i], replaced = ev, true
			}
		}
		if !replaced {
			out = append(out, ev)
		}
	}
	x.Record = out
	return x
}
