package ledger

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/glass-cli/glass/internal/override"
)

// Store errors. Use errors.Is / errors.As.
var (
	ErrNotFound      = errors.New("audit issue not found")
	ErrLabelsDropped = errors.New("GitHub dropped the labels of the audit issue (the token needs triage or write access to the audit repository); glass cannot find this record again")
	ErrIDMismatch    = errors.New("the state block belongs to a different issue (copied record)")
)

// NotOverrideError is returned for an issue that exists but carries no valid
// glass record: "acme/audit#5 is not a glass override: ...". It unwraps to
// the state block error (ErrNoStateBlock, ErrDigestMismatch, ...).
type NotOverrideError struct {
	ID  string
	Err error
}

func (e *NotOverrideError) Error() string {
	return fmt.Sprintf("%s is not a glass override: %v", e.ID, e.Err)
}

func (e *NotOverrideError) Unwrap() error { return e.Err }

// InvalidRecordsError lists open break-glass issues whose record could not
// be read (edited by hand, written by a newer glass). ListLive returns it
// together with the valid overrides: one vandalised issue must not stop the
// rollback of the others, but it must not go unnoticed either.
type InvalidRecordsError struct {
	Records []*NotOverrideError
}

func (e *InvalidRecordsError) Error() string {
	msgs := make([]string, len(e.Records))
	for i, r := range e.Records {
		msgs[i] = r.Error()
	}
	return fmt.Sprintf("%d break-glass issue(s) have no valid record: %s", len(e.Records), strings.Join(msgs, "; "))
}

// FormatID is the override ID of issue n in repo: "OWNER/REPO#N".
func FormatID(repo string, n int) string { return fmt.Sprintf("%s#%d", repo, n) }

// ParseID reads an override ID: "OWNER/REPO#N", or "#N" / "N" in
// defaultRepo (the audit repository in use).
func ParseID(s, defaultRepo string) (repo string, n int, err error) {
	s = strings.TrimSpace(s)
	repo, num, found := strings.Cut(s, "#")
	if !found {
		repo, num = "", s
	}
	if repo == "" {
		if defaultRepo == "" {
			return "", 0, fmt.Errorf("override ID %q names no repository: use OWNER/REPO#N or pass the audit repository", s)
		}
		repo = defaultRepo
	}
	owner, name, ok := strings.Cut(repo, "/")
	if !ok || owner == "" || name == "" || strings.ContainsAny(name, "/ ") || strings.ContainsAny(owner, " ") {
		return "", 0, fmt.Errorf("override ID %q: repository must be OWNER/REPO", s)
	}
	n, err = strconv.Atoi(num)
	if err != nil || n <= 0 {
		return "", 0, fmt.Errorf("override ID %q: %q is not an issue number (want OWNER/REPO#N, #N or N)", s, num)
	}
	return repo, n, nil
}

// Store reads and writes audit issues through go-github. It is safe for
// concurrent use. Its caches live as long as the Store (one process): label
// setup, list ETags, body extras and event keys seen.
type Store struct {
	gh *github.Client

	mu     sync.Mutex
	labels map[string]bool              // audit repo → glass labels ensured
	lists  map[string]listPage          // list URL → last answer, for If-None-Match
	extras map[string]BodyExtras        // override ID → extras, so Save can re-render
	others map[string][]string          // override ID → labels people added (Save keeps them)
	keys   map[string]map[string]string // override ID → event keys on the issue → kind
	// appendMu serialises check-then-post per override within this Store,
	// so two goroutines cannot both find a key missing and both post it.
	// (Across processes GitHub offers no conditional POST; see Append.)
	appendMu map[string]*sync.Mutex
	// known holds, per issue, what this Store knows of its comments
	// without listing them again (see knows): Append then needs no GET
	// before its POST.
	known map[string]knowledge
	// updated holds each issue's updated_at as last read (see UpdatedAt).
	updated map[string]time.Time
	// missing holds, per audit repo, glass's labels CheckLabels did not find.
	missing map[string][]labelSpec
	urls    map[string]string // override ID → the issue's web address
	// posted holds, per override ID and event key, the id of the comment
	// this Store posted for it (DedupeKept tells a racer's record from ours).
	posted map[string]map[string]int64
}

// knowledge is what a Store knows of an issue's comments.
type knowledge struct {
	created bool      // this Store created the issue (no comments then)
	listed  time.Time // when Prefetch listed every comment
	maxSeq  int       // the highest seq on the issue, including this Store's posts
}

// prefetchTTL bounds how long a Prefetch vouches for the comment list: long
// enough for one close (a few round trips), short enough that another
// process's record is not missed by a later operation.
const prefetchTTL = 30 * time.Second

// knows reports whether Append may skip listing the comments before
// posting an event of kind k: right after a Prefetch, or for the opener's
// own events (applied, open-failed, and the policy decision that let it
// open) on an issue this Store created (no other process writes those).
func (k knowledge) knows(kind Kind) bool {
	if !k.listed.IsZero() && time.Since(k.listed) < prefetchTTL {
		return true
	}
	return k.created && (kind == KindApplied || kind == KindOpenFailed || kind == KindPolicy)
}

type listPage struct {
	etag   string
	issues []*github.Issue
	next   int
}

// NewStore returns a Store using gh (its BaseURL decides the host).
func NewStore(gh *github.Client) *Store {
	return &Store{gh: gh, labels: map[string]bool{}, lists: map[string]listPage{},
		extras: map[string]BodyExtras{}, others: map[string][]string{}, keys: map[string]map[string]string{}, appendMu: map[string]*sync.Mutex{}, known: map[string]knowledge{}, updated: map[string]time.Time{}, missing: map[string][]labelSpec{}, urls: map[string]string{}, posted: map[string]map[string]int64{}}
}

func splitRepo(repo string) (string, string, error) {
	o, r, ok := strings.Cut(repo, "/")
	if !ok || o == "" || r == "" {
		return "", "", fmt.Errorf("repository %q must be OWNER/REPO", repo)
	}
	return o, r, nil
}

// CheckLabels lists repo's labels (one GET per 100, no writes) and
// remembers which of glass's labels are missing, so that a later
// EnsureLabels POSTs only those, or nothing at all. Callers run it beside
// other reads: unlike EnsureLabels it changes nothing, so it may run before
// the input is known to be good.
func (s *Store) CheckLabels(ctx context.Context, repo string) error {
	s.mu.Lock()
	_, checked := s.missing[repo]
	done := s.labels[repo]
	s.mu.Unlock()
	if done || checked {
		return nil
	}
	owner, name, err := splitRepo(repo)
	if err != nil {
		return err
	}
	have := map[string]bool{}
	opt := &github.ListOptions{PerPage: 100}
	for {
		ls, resp, err := s.gh.Issues.ListLabels(ctx, owner, name, opt)
		if err != nil {
			return fmt.Errorf("list labels of %s: %w", repo, err)
		}
		for _, l := range ls {
			have[strings.ToLower(l.GetName())] = true
		}
		if resp.NextPage == 0 {
			break
		}
		opt.Page = resp.NextPage
	}
	var missing []labelSpec
	for _, sp := range labelSpecs() {
		if !have[strings.ToLower(sp.Name)] {
			missing = append(missing, sp)
		}
	}
	s.mu.Lock()
	s.missing[repo] = missing
	if len(missing) == 0 {
		s.labels[repo] = true
	}
	s.mu.Unlock()
	return nil
}

// LabelsReady reports whether glass's labels are known to exist in repo
// (a CheckLabels found them all, or an EnsureLabels made them): then
// EnsureLabels costs nothing.
func (s *Store) LabelsReady(repo string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.labels[repo]
}

// EnsureLabels gives glass's labels their colour and description in repo.
// Issue creation would auto-create missing labels, but grey and without a
// description (github-api.md §4.1), and the labels are how people find
// overrides in the issue list. The list (CheckLabels, unless it already
// ran), then a POST for each missing label, in parallel, where 422
// already_exists (a concurrent glass) is success. Done once per Store and
// repo; failures are not fatal (Create still passes the labels, and GitHub
// auto-creates them).
func (s *Store) EnsureLabels(ctx context.Context, repo string) error {
	if err := s.CheckLabels(ctx, repo); err != nil {
		return err
	}
	s.mu.Lock()
	done := s.labels[repo]
	missing := s.missing[repo]
	s.mu.Unlock()
	if done {
		return nil
	}
	owner, name, _ := splitRepo(repo)
	errs := make([]error, len(missing))
	var wg sync.WaitGroup
	for i, sp := range missing {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, err := s.gh.Issues.CreateLabel(ctx, owner, name, &github.Label{Name: github.String(sp.Name), Color: github.String(sp.Color), Description: github.String(sp.Description)})
			if err != nil && !isAlreadyExists(err) {
				errs[i] = fmt.Errorf("create label %s in %s: %w", sp.Name, repo, err)
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		s.mu.Lock()
		delete(s.missing, repo) // list again next time
		s.mu.Unlock()
		return err
	}
	s.mu.Lock()
	s.labels[repo] = true
	s.mu.Unlock()
	return nil
}

// otherLabels are the labels of is that glass does not manage.
func otherLabels(is *github.Issue) []string {
	var out []string
	for _, l := range is.Labels {
		n := l.GetName()
		if !strings.EqualFold(n, LabelBase) && !strings.HasPrefix(strings.ToLower(n), LabelBase+":") {
			out = append(out, n)
		}
	}
	return out
}

func isAlreadyExists(err error) bool {
	var er *github.ErrorResponse
	if !errors.As(err, &er) || er.Response == nil || er.Response.StatusCode != http.StatusUnprocessableEntity {
		return false
	}
	for _, e := range er.Errors {
		if e.Code == "already_exists" {
			return true
		}
	}
	return false
}

func is404(err error) bool {
	var er *github.ErrorResponse
	return errors.As(err, &er) && er.Response != nil && er.Response.StatusCode == http.StatusNotFound
}

// Create writes the audit issue for o in auditRepo (write-ahead: before
// anything changes) and sets o.ID. Cost: one POST, plus on the Store's first
// Create in a repo the label setup (one GET, and a POST per missing label).
// The state block's id is empty in the first body (the number is not known
// before the POST); readers take the ID from the issue, and the next Save
// writes it.
func (s *Store) Create(ctx context.Context, auditRepo string, o *override.Override, x BodyExtras) (id string, number int, htmlURL string, err error) {
	owner, name, err := splitRepo(auditRepo)
	if err != nil {
		return "", 0, "", err
	}
	_ = s.EnsureLabels(ctx, auditRepo) // best effort: see EnsureLabels
	cp := *o
	cp.ID = ""
	body, err := RenderBody(&cp, x)
	if err != nil {
		return "", 0, "", err
	}
	labels := Labels(o)
	is, _, err := s.gh.Issues.Create(ctx, owner, name, &github.IssueRequest{Title: github.String(Title(o)), Body: &body, Labels: &labels})
	if err != nil {
		return "", 0, "", fmt.Errorf("create audit issue in %s: %w", auditRepo, err)
	}
	number, htmlURL = is.GetNumber(), is.GetHTMLURL()
	id = FormatID(auditRepo, number)
	o.ID = id
	s.mu.Lock()
	s.known[id] = knowledge{created: true} // a new issue has no comments
	s.extras[id] = x
	s.urls[id] = htmlURL
	s.mu.Unlock()
	// "Only users with push access can set labels for new issues. Labels
	// are silently dropped otherwise." (issues/create): an unlabelled record
	// would be invisible to status and sweep.
	found := false
	for _, l := range is.Labels {
		if strings.EqualFold(l.GetName(), LabelBase) {
			found = true
		}
	}
	if !found {
		return id, number, htmlURL, fmt.Errorf("%s (%s): %w", id, htmlURL, ErrLabelsDropped)
	}
	return id, number, htmlURL, nil
}

// Save rewrites the body, labels and open/closed state of o's issue in one
// PATCH. If this Store has not read or written the issue before, it first
// reads it (one GET) to keep the notices and mentions of the body.
func (s *Store) Save(ctx context.Context, o *override.Override) error {
	return s.save(ctx, o, nil)
}

// SaveRecord is Save with evs written into the state block (BodyExtras.Record)
// by the same PATCH, so the record and the state it leads to (closed) land
// together or not at all: close's one write that matters. Callers post the
// same events as comments beside it, for people; give them their Seq first
// (Number). It fails with ErrTooLarge, before any request, when the body
// would not fit; the caller then falls back to comments and a plain Save.
func (s *Store) SaveRecord(ctx context.Context, o *override.Override, evs ...Event) error {
	return s.save(ctx, o, evs)
}

// Number gives each event without a Seq the next seq on o's issue, as
// Append would, when this Store knows the issue's comments (Prefetch, or it
// created the issue); otherwise the events are returned as they are (Append
// then numbers the comment itself, after listing).
func (s *Store) Number(id string, evs ...Event) []Event {
	out := append([]Event(nil), evs...)
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.known[id]
	if !ok || (k.listed.IsZero() && !k.created) || (!k.listed.IsZero() && time.Since(k.listed) >= prefetchTTL) {
		return out
	}
	for i := range out {
		if out[i].Seq == 0 {
			k.maxSeq++
			out[i].Seq = k.maxSeq
		}
	}
	s.known[id] = k
	return out
}

func (s *Store) save(ctx context.Context, o *override.Override, record []Event) error {
	repo, n, err := ParseID(o.ID, "")
	if err != nil {
		return err
	}
	owner, name, _ := splitRepo(repo)
	s.mu.Lock()
	x, ok := s.extras[o.ID]
	others := s.others[o.ID]
	s.mu.Unlock()
	if !ok {
		is, _, err := s.gh.Issues.Get(ctx, owner, name, n)
		if err != nil {
			return fmt.Errorf("read %s before saving: %w", o.ID, err)
		}
		if _, px, err := ParseBodyExtras(is.GetBody()); err == nil {
			x = px
		}
		others = otherLabels(is)
	}
	if len(record) > 0 {
		x = x.withRecord(record...)
	}
	body, err := RenderBody(o, x)
	if err != nil {
		return fmt.Errorf("%s: %w", o.ID, err)
	}
	// PATCH replaces the whole label set: keep the labels people added
	// (as of the last time this Store read the issue).
	labels := append(Labels(o), others...)
	req := &github.IssueRequest{Body: &body, Labels: &labels}
	if IssueOpen(o.State) {
		req.State = github.String("open")
	} else {
		req.State = github.String("closed")
		req.StateReason = github.String(stateReason(o.State))
	}
	if _, _, err := s.gh.Issues.Edit(ctx, owner, name, n, req); err != nil {
		return fmt.Errorf("save %s: %w", o.ID, err)
	}
	s.mu.Lock()
	s.extras[o.ID] = x
	s.mu.Unlock()
	return nil
}

// Append posts ev as a comment on o's issue. Events with a Key, and kinds
// that are Unique, are idempotent: the comments are listed first (one GET
// per 100 comments) and nothing is posted when a comment with the same key
// exists, so a retried close or a repeated sweep never records a second
// rollback. Other events cost one POST. A key this Store has already seen
// on the issue costs nothing. Seq, when zero, becomes one more than the
// highest seq on the issue (if the comments were listed). Two processes
// appending the same key within the same instant can still both post
// (GitHub has no conditional create); readers treat the first as the record.
func (s *Store) Append(ctx context.Context, o *override.Override, ev Event) error {
	repo, n, err := ParseID(o.ID, "")
	if err != nil {
		return err
	}
	s.mu.Lock()
	lk := s.appendMu[o.ID]
	if lk == nil {
		lk = &sync.Mutex{}
		s.appendMu[o.ID] = lk
	}
	s.mu.Unlock()
	lk.Lock()
	locked := true
	defer func() {
		if locked {
			lk.Unlock()
		}
	}()
	owner, name, _ := splitRepo(repo)
	checked := ev.Key != "" || ev.Kind.Unique()
	ev.Key = ev.key()
	s.mu.Lock()
	kn, has := s.known[o.ID]
	s.mu.Unlock()
	known, maxSeq := has && kn.knows(ev.Kind), kn.maxSeq
	if checked {
		s.mu.Lock()
		_, seen := s.keys[o.ID][ev.Key]
		s.mu.Unlock()
		if seen {
			return nil
		}
	}
	if checked && !known {
		cs, err := s.comments(ctx, owner, name, n)
		if err != nil {
			return fmt.Errorf("check %s for an existing %s record: %w", o.ID, ev.Kind, err)
		}
		maxSeq = 0
		exists := false
		for _, c := range cs {
			k, ok := markerKey(c.GetBody())
			if !ok {
				continue
			}
			s.remember(o.ID, k, "")
			if k == ev.Key {
				exists = true
			}
			if e, ok := ParseEvent(c.GetBody()); ok && e.Seq > maxSeq {
				maxSeq = e.Seq
			}
		}
		known = true
		if exists {
			return nil
		}
	}
	if known && ev.Seq == 0 {
		ev.Seq = maxSeq + 1
		ev.Key = ev.key()
	}
	// Reserve the key and seq, then post outside the lock: events with
	// other keys (a rollback and its activity) post in parallel.
	s.remember(o.ID, ev.Key, string(ev.Kind))
	s.mu.Lock()
	if k, ok := s.known[o.ID]; ok && ev.Seq > k.maxSeq {
		k.maxSeq = ev.Seq
		s.known[o.ID] = k
	}
	s.mu.Unlock()
	lk.Unlock()
	locked = false
	fail := func(err error) error {
		// The POST may have landed without an answer: forget what this
		// Store believed, so a retry lists the comments first.
		s.mu.Lock()
		delete(s.keys[o.ID], ev.Key)
		delete(s.known, o.ID)
		s.mu.Unlock()
		return err
	}
	body, err := RenderEvent(o, ev)
	if err != nil {
		return fail(fmt.Errorf("%s: %w", o.ID, err))
	}
	c, _, err := s.gh.Issues.CreateComment(ctx, owner, name, n, &github.IssueComment{Body: &body})
	if err != nil {
		return fail(fmt.Errorf("record %s on %s: %w", ev.Kind, o.ID, err))
	}
	s.mu.Lock()
	if s.posted[o.ID] == nil {
		s.posted[o.ID] = map[string]int64{}
	}
	s.posted[o.ID][ev.Key] = c.GetID()
	s.mu.Unlock()
	return nil
}

// Prefetch lists the comments of o's issue (one request per 100) so that
// later Appends know which events exist without a GET of their own: a
// caller can run it beside other work, off its critical path.
func (s *Store) Prefetch(ctx context.Context, id string) error {
	repo, n, err := ParseID(id, "")
	if err != nil {
		return err
	}
	owner, name, _ := splitRepo(repo)
	id = FormatID(repo, n)
	cs, err := s.comments(ctx, owner, name, n)
	if err != nil {
		return fmt.Errorf("read the events of %s: %w", id, err)
	}
	maxSeq := 0
	for _, c := range cs {
		if k, ok := markerKey(c.GetBody()); ok {
			s.remember(id, k, "")
		}
		if e, ok := ParseEvent(c.GetBody()); ok && e.Seq > maxSeq {
			maxSeq = e.Seq
		}
	}
	s.mu.Lock()
	k := s.known[id]
	k.listed = time.Now()
	if maxSeq > k.maxSeq {
		k.maxSeq = maxSeq
	}
	s.known[id] = k
	s.mu.Unlock()
	return nil
}

func (s *Store) remember(id, key, kind string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.keys[id] == nil {
		s.keys[id] = map[string]string{}
	}
	s.keys[id][key] = kind
}

func (s *Store) comments(ctx context.Context, owner, name string, n int) ([]*github.IssueComment, error) {
	var all []*github.IssueComment
	opt := &github.IssueListCommentsOptions{ListOptions: github.ListOptions{PerPage: 100}}
	for {
		cs, resp, err := s.gh.Issues.ListComments(ctx, owner, name, n, opt)
		if err != nil {
			return nil, err
		}
		all = append(all, cs...)
		if resp.NextPage == 0 {
			return all, nil
		}
		opt.Page = resp.NextPage
	}
}

// LoadOverride reads one override by ID, open or closed (one request).
func (s *Store) LoadOverride(ctx context.Context, id string) (*override.Override, error) {
	repo, n, err := ParseID(id, "")
	if err != nil {
		return nil, err
	}
	owner, name, _ := splitRepo(repo)
	id = FormatID(repo, n)
	is, _, err := s.gh.Issues.Get(ctx, owner, name, n)
	if err != nil {
		if is404(err) {
			return nil, fmt.Errorf("%s: %w", id, ErrNotFound)
		}
		return nil, fmt.Errorf("read %s: %w", id, err)
	}
	return s.fromIssue(id, is)
}

// Load reads one override and its events (one request for the issue, one
// per 100 comments). Comments that are not valid glass events are skipped.
// Events of the closing record (BodyExtras.Record) whose comment copy is
// missing are included from the state block.
func (s *Store) Load(ctx context.Context, id string) (*override.Override, []Event, error) {
	o, err := s.LoadOverride(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	repo, n, _ := ParseID(o.ID, "")
	owner, name, _ := splitRepo(repo)
	cs, err := s.comments(ctx, owner, name, n)
	if err != nil {
		return o, nil, fmt.Errorf("read the events of %s: %w", o.ID, err)
	}
	var evs []Event
	seen := map[string]bool{}
	for _, c := range cs {
		if k, ok := markerKey(c.GetBody()); ok {
			s.remember(o.ID, k, "")
		}
		if ev, ok := ParseEvent(c.GetBody()); ok {
			evs = append(evs, ev)
			seen[ev.Key] = true
		}
	}
	// The closing record is in the state block; its comment copies may be
	// missing (a crash right after the closing PATCH).
	s.mu.Lock()
	record := s.extras[o.ID].Record
	s.mu.Unlock()
	for _, ev := range record {
		if !seen[ev.Key] {
			evs = append(evs, ev)
		}
	}
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].Seq < evs[j].Seq })
	return o, evs, nil
}

// fromIssue decodes an issue's record and checks that it is this issue's.
func (s *Store) fromIssue(id string, is *github.Issue) (*override.Override, error) {
	if is.IsPullRequest() {
		return nil, &NotOverrideError{ID: id, Err: errors.New("it is a pull request")}
	}
	o, x, err := ParseBodyExtras(is.GetBody())
	if err != nil {
		return nil, &NotOverrideError{ID: id, Err: err}
	}
	if o.ID != "" && !strings.EqualFold(o.ID, id) {
		return nil, &NotOverrideError{ID: id, Err: fmt.Errorf("%w: the record says %s", ErrIDMismatch, o.ID)}
	}
	o.ID = id // the first body has no id (see Create)
	s.mu.Lock()
	s.extras[id] = x
	s.others[id] = otherLabels(is)
	s.updated[id] = is.GetUpdatedAt().Time
	s.urls[id] = is.GetHTMLURL()
	s.mu.Unlock()
	return o, nil
}

// IssueURL is the web address of id's issue, when this Store has created
// or read it ("" otherwise).
func (s *Store) IssueURL(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.urls[id]
}

// UpdatedAt is the updated_at of the issue behind id as this Store last
// read it (zero when it has not): GitHub moves it on every edit, comment
// and label change, so it bounds from below when the record last changed.
func (s *Store) UpdatedAt(id string) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.updated[id]
}

// Dedupe makes the events with the given keys single on id's issue. GitHub
// has no conditional create, so two processes that check for a key at the
// same moment can both post it (two sweeps, a sweep and a close). Run after
// posting, Dedupe settles it deterministically: of the comments carrying a
// key, the one with the lowest comment id is the record and the others are
// deleted (issues/delete-comment). Every process applies the same rule, so
// the outcome is one record whatever the interleaving: the later of two
// posts is made after the earlier one exists, so its poster, listing after
// its own post, sees both and removes the later one. It returns how many
// comments it deleted. Cost: one GET per 100 comments, a DELETE per
// duplicate (404, already deleted by a racer, counts as done).
func (s *Store) Dedupe(ctx context.Context, id string, keys ...string) (int, error) {
	_, n, err := s.DedupeKept(ctx, id, keys...)
	return n, err
}

// Kept is the record Dedupe kept for one key: the comment with the lowest
// id carrying it, its event, and whether this Store posted it.
type Kept struct {
	CommentID int64
	Event     Event
	Mine      bool
}

// DedupeKept is Dedupe that also returns, per key found on the issue, the
// record that stays. A racer whose own comment was not kept knows another
// process's record stands (the engine's contested apply adopts it).
func (s *Store) DedupeKept(ctx context.Context, id string, keys ...string) (map[string]Kept, int, error) {
	repo, n, err := ParseID(id, "")
	if err != nil {
		return nil, 0, err
	}
	owner, name, _ := splitRepo(repo)
	id = FormatID(repo, n)
	cs, err := s.comments(ctx, owner, name, n)
	if err != nil {
		return nil, 0, fmt.Errorf("check %s for duplicate records: %w", id, err)
	}
	want := map[string]bool{}
	for _, k := range keys {
		want[Event{Key: k}.key()] = true
	}
	byKey := map[string][]*github.IssueComment{}
	for _, c := range cs {
		k, ok := markerKey(c.GetBody())
		if !ok || !want[k] {
			continue
		}
		s.remember(id, k, "")
		byKey[k] = append(byKey[k], c)
	}
	kept := map[string]Kept{}
	deleted := 0
	for k, list := range byKey {
		sort.Slice(list, func(i, j int) bool { return list[i].GetID() < list[j].GetID() })
		first := list[0]
		ev, _ := ParseEvent(first.GetBody())
		s.mu.Lock()
		mine := s.posted[id][k] == first.GetID()
		s.mu.Unlock()
		kept[k] = Kept{CommentID: first.GetID(), Event: ev, Mine: mine}
		for _, c := range list[1:] {
			if _, err := s.gh.Issues.DeleteComment(ctx, owner, name, c.GetID()); err != nil && !is404(err) {
				return kept, deleted, fmt.Errorf("delete the duplicate %s record %d on %s: %w", k, c.GetID(), id, err)
			}
			deleted++
		}
	}
	return kept, deleted, nil
}

// ListLive lists the live overrides of an audit repository: the open issues
// labelled break-glass (every non-terminal override, and failed ones, are
// open). One request per 100, each conditional on the ETag of the Store's
// last answer for that page: notModified is true when every page was 304
// (answered without a body, and not counted by GitHub's rate limit), and
// the overrides are then decoded from the cached pages. Issues without a
// state block are ignored; issues with a broken one are returned in an
// *InvalidRecordsError alongside the valid overrides.
func (s *Store) ListLive(ctx context.Context, repo string) (list []*override.Override, notModified bool, err error) {
	issues, nm, err := s.listIssues(ctx, repo, "labels="+url.QueryEscape(LabelBase)+"&state=open", true)
	if err != nil {
		return nil, false, err
	}
	list, err = s.decodeList(repo, issues)
	return list, nm, err
}

// ListDrills lists the closed drill overrides of an audit repository, newest
// first, for `glass drill history` (one request per 100).
func (s *Store) ListDrills(ctx context.Context, repo string) ([]*override.Override, error) {
	issues, _, err := s.listIssues(ctx, repo, "labels="+url.QueryEscape(LabelBase+","+LabelDrill)+"&state=closed", false)
	if err != nil {
		return nil, err
	}
	return s.decodeList(repo, issues)
}

// ListRecentBy lists the overrides whose audit issues creator opened in
// repo, open and closed, newest first: one request (issues/list-for-repo
// with creator, sort=created, direction=desc), at most n (≤100) issues.
// Records glass cannot read are left out.
func (s *Store) ListRecentBy(ctx context.Context, repo, creator string, n int) ([]*override.Override, error) {
	owner, name, err := splitRepo(repo)
	if err != nil {
		return nil, err
	}
	if n <= 0 || n > 100 {
		n = 100
	}
	u := fmt.Sprintf("repos/%s/%s/issues?labels=%s&state=all&creator=%s&sort=created&direction=desc&per_page=%d",
		url.PathEscape(owner), url.PathEscape(name), url.QueryEscape(LabelBase), url.QueryEscape(creator), n)
	req, err := s.gh.NewRequest("GET", u, nil)
	if err != nil {
		return nil, err
	}
	var issues []*github.Issue
	if _, err := s.gh.Do(ctx, req, &issues); err != nil {
		return nil, fmt.Errorf("list %s's break-glass issues in %s: %w", creator, repo, err)
	}
	list, err := s.decodeList(repo, issues)
	var inv *InvalidRecordsError
	if errors.As(err, &inv) {
		err = nil
	}
	return list, err
}

func (s *Store) decodeList(repo string, issues []*github.Issue) ([]*override.Override, error) {
	var out []*override.Override
	var bad []*NotOverrideError
	for _, is := range issues {
		if is.IsPullRequest() {
			continue
		}
		o, err := s.fromIssue(FormatID(repo, is.GetNumber()), is)
		if err != nil {
			var ne *NotOverrideError
			if errors.As(err, &ne) && !errors.Is(err, ErrNoStateBlock) {
				bad = append(bad, ne)
			}
			continue // no block at all: someone else's use of the label
		}
		out = append(out, o)
	}
	if len(bad) > 0 {
		return out, &InvalidRecordsError{Records: bad}
	}
	return out, nil
}

// listIssues pages through an issue list. With conditional, each page is
// requested with the ETag of the last answer for its URL.
func (s *Store) listIssues(ctx context.Context, repo, query string, conditional bool) ([]*github.Issue, bool, error) {
	owner, name, err := splitRepo(repo)
	if err != nil {
		return nil, false, err
	}
	var all []*github.Issue
	allNotModified := true
	for page := 1; page > 0; {
		u := fmt.Sprintf("repos/%s/%s/issues?%s&per_page=100", url.PathEscape(owner), url.PathEscape(name), query)
		if page > 1 {
			u += "&page=" + strconv.Itoa(page)
		}
		req, err := s.gh.NewRequest("GET", u, nil)
		if err != nil {
			return nil, false, err
		}
		s.mu.Lock()
		cached, haveCache := s.lists[u]
		s.mu.Unlock()
		if conditional && haveCache && cached.etag != "" {
			req.Header.Set("If-None-Match", cached.etag)
		}
		var issues []*github.Issue
		resp, err := s.gh.Do(ctx, req, &issues)
		if resp != nil && resp.StatusCode == http.StatusNotModified && haveCache {
			all = append(all, cached.issues...)
			page = cached.next
			continue
		}
		if err != nil {
			if is404(err) {
				return nil, false, fmt.Errorf("audit repository %s not found (or the token cannot see it): %w", repo, err)
			}
			return nil, false, fmt.Errorf("list break-glass issues in %s: %w", repo, err)
		}
		allNotModified = false
		all = append(all, issues...)
		if conditional {
			s.mu.Lock()
			s.lists[u] = listPage{etag: resp.Header.Get("ETag"), issues: issues, next: resp.NextPage}
			s.mu.Unlock()
		}
		page = resp.NextPage
	}
	return all, allNotModified, nil
}
