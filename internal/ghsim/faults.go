package ghsim

import (
	"fmt"
	"math/rand"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// FaultKind is how an injected failure looks to the client.
type FaultKind string

const (
	Fault500       FaultKind = "500"
	Fault502       FaultKind = "502"
	Fault503       FaultKind = "503"
	FaultSecondary FaultKind = "secondary" // 403 secondary rate limit with Retry-After
	Fault429       FaultKind = "429"       // 429 with Retry-After
	FaultDrop      FaultKind = "drop"      // connection closed without a response
)

// Faults configures fault injection. The zero value injects nothing.
// Request numbering starts at 1 with the first request after SetFaults.
type Faults struct {
	Latency       time.Duration // fixed latency per request
	LatencyJitter time.Duration // plus a random latency in [0, LatencyJitter)
	ErrorRate     float64       // probability of a 500/502/503
	ErrorStatus   int           // 500, 502 or 503; 0 picks one at random
	SecondaryRate float64       // probability of a 403 secondary rate limit
	TooManyRate   float64       // probability of a 429
	DropRate      float64       // probability of a dropped connection
	RetryAfter    int           // Retry-After seconds for secondary/429 (default 60)
	FailNth       int           // fail exactly the Nth request (0 = off)
	FailNthKind   FaultKind     // how the Nth request fails (default 500)
	// FailEvery fails every Nth request (N, 2N, 3N, ...), cycling through
	// FailEveryKinds ("/"-separated kinds, default 500). Unlike the rates it
	// is deterministic, and with N > 1 a retry never meets the next fault
	// straight away: `glass drill`'s faults scenario relies on both.
	FailEvery      int
	FailEveryKinds string
	BlackoutAfter  int // process request N, then drop it and every later request (0 = off)
	// FailPath, a regular expression, fails every request whose path
	// matches it (retries too), the way FailPathKind says (default 500):
	// a test can break one read of many made in parallel, whatever the
	// order they arrive in.
	FailPath     string
	FailPathKind FaultKind
	Seed         int64 // random seed; with HasSeed the random faults are deterministic
	HasSeed      bool
}

type faultDecision struct {
	latency   time.Duration
	drop      bool
	dropAfter bool
	status    int
	kind      FaultKind
	retry     int
}

// SetFaults installs f and resets the request counter, the blackout and the random source.
func (s *Server) SetFaults(f Faults) {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	s.faults = f
	s.failPath = nil
	if f.FailPath != "" {
		s.failPath, _ = regexp.Compile(f.FailPath) // ParseFaults checked it; an invalid one fails nothing
	}
	s.faultN = 0
	s.blackout = false
	seed := f.Seed
	if !f.HasSeed {
		seed = time.Now().UnixNano()
	}
	s.rng = rand.New(rand.NewSource(seed))
}

// Faults returns the installed faults.
func (s *Server) Faults() Faults {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	return s.faults
}

func (s *Server) decideFault(path string) faultDecision {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	f := s.faults
	s.faultN++
	n := s.faultN
	var d faultDecision
	d.latency = f.Latency
	if f.LatencyJitter > 0 {
		d.latency += time.Duration(s.rng.Int63n(int64(f.LatencyJitter)))
	}
	d.retry = f.RetryAfter
	if d.retry <= 0 {
		d.retry = 60
	}
	if s.blackout {
		d.drop = true
		return d
	}
	if f.BlackoutAfter > 0 && n == f.BlackoutAfter {
		s.blackout = true
		d.dropAfter = true
		return d
	}
	if s.failPath != nil && s.failPath.MatchString(path) {
		k := f.FailPathKind
		if k == "" {
			k = Fault500
		}
		s.applyKind(&d, k)
		return d
	}
	if f.FailNth > 0 && n == f.FailNth {
		k := f.FailNthKind
		if k == "" {
			k = Fault500
		}
		s.applyKind(&d, k)
		return d
	}
	if f.FailEvery > 0 && n%f.FailEvery == 0 {
		kinds := strings.Split(f.FailEveryKinds, "/")
		k := FaultKind(kinds[(n/f.FailEvery-1)%len(kinds)])
		if k == "" {
			k = Fault500
		}
		s.applyKind(&d, k)
		return d
	}
	// Draw every random number in a fixed order so a seed gives the same sequence.
	rDrop, rErr, rSec, r429, rPick := s.rng.Float64(), s.rng.Float64(), s.rng.Float64(), s.rng.Float64(), s.rng.Intn(3)
	switch {
	case f.DropRate > 0 && rDrop < f.DropRate:
		d.drop = true
	case f.ErrorRate > 0 && rErr < f.ErrorRate:
		st := f.ErrorStatus
		if st == 0 {
			st = []int{500, 502, 503}[rPick]
		}
		d.status, d.kind = st, FaultKind(strconv.Itoa(st))
	case f.SecondaryRate > 0 && rSec < f.SecondaryRate:
		s.applyKind(&d, FaultSecondary)
	case f.TooManyRate > 0 && r429 < f.TooManyRate:
		s.applyKind(&d, Fault429)
	}
	return d
}

func (s *Server) applyKind(d *faultDecision, k FaultKind) {
	d.kind = k
	switch k {
	case FaultDrop:
		d.drop = true
	case FaultSecondary:
		d.status = 403
	case Fault429:
		d.status = 429
	case Fault502:
		d.status = 502
	case Fault503:
		d.status = 503
	default:
		d.status = 500
	}
}

// writeFault renders an injected error response. Secondary rate limit:
// 403 + Retry-After + "You have exceeded a secondary rate limit..." and a
// documentation_url ending in secondary-rate-limits, which go-github v60
// turns into AbuseRateLimitError (github-api.md §4.2, §0 item 13).
func (s *Server) writeFault(c *ctx, d faultDecision, at time.Time) {
	s.commonHeaders(c, nil)
	c.hdr.Set("X-GitHub-Request-Id", fmt.Sprintf("SIMFAULT:%X", at.UnixNano()))
	switch d.kind {
	case FaultSecondary:
		c.hdr.Set("Retry-After", strconv.Itoa(d.retry))
		c.errMsg(403, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID "+c.hdr.Get("X-GitHub-Request-Id")+".",
			"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits")
	case Fault429:
		c.hdr.Set("Retry-After", strconv.Itoa(d.retry))
		c.errMsg(429, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
			"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits")
	case Fault502:
		c.status, c.out = 502, []byte(`{"message":"Server Error"}`)
	case Fault503:
		c.errMsg(503, "Service Unavailable", docsRoot)
	default:
		c.status = 500
		c.out = []byte(`{"message":"Server Error"}`)
	}
}

// ParseFaults parses a comma-separated spec, e.g.
// "latency=50ms,jitter=20ms,error-rate=0.1,error-status=503,fail-nth=3:503,fail-path=/orgs/acme$:drop,
// drop-rate=0.05,secondary-rate=0.02,429-rate=0.01,retry-after=30,blackout-after=7,seed=1,
// fail-every=5:503/secondary/drop".
// fail-nth, fail-every and fail-path kinds: 500, 502, 503, secondary, 429, drop. A
// fail-path expression cannot contain a comma.
func ParseFaults(spec string) (Faults, error) {
	var f Faults
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return f, nil
	}
	rate := func(k, v string) (float64, error) {
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || x < 0 || x > 1 {
			return 0, fmt.Errorf("faults: %s=%q: want a probability between 0 and 1", k, v)
		}
		return x, nil
	}
	posInt := func(k, v string) (int, error) {
		x, err := strconv.Atoi(v)
		if err != nil || x < 1 {
			return 0, fmt.Errorf("faults: %s=%q: want a positive integer", k, v)
		}
		return x, nil
	}
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return Faults{}, fmt.Errorf("faults: %q: want key=value", part)
		}
		k, v = strings.TrimSpace(strings.ToLower(k)), strings.TrimSpace(v)
		var err error
		switch k {
		case "latency", "jitter":
			var d time.Duration
			d, err = time.ParseDuration(v)
			if err == nil && d < 0 {
				err = fmt.Errorf("negative")
			}
			if err != nil {
				return Faults{}, fmt.Errorf("faults: %s=%q: want a duration like 50ms", k, v)
			}
			if k == "latency" {
				f.Latency = d
			} else {
				f.LatencyJitter = d
			}
		case "error-rate":
			f.ErrorRate, err = rate(k, v)
		case "error-status":
			f.ErrorStatus, err = strconv.Atoi(v)
			if err != nil || (f.ErrorStatus != 500 && f.ErrorStatus != 502 && f.ErrorStatus != 503) {
				return Faults{}, fmt.Errorf("faults: error-status=%q: want 500, 502 or 503", v)
			}
		case "drop-rate":
			f.DropRate, err = rate(k, v)
		case "secondary-rate":
			f.SecondaryRate, err = rate(k, v)
		case "429-rate", "too-many-rate":
			f.TooManyRate, err = rate(k, v)
		case "retry-after":
			f.RetryAfter, err = posInt(k, v)
		case "fail-nth":
			n, kind, hasKind := strings.Cut(v, ":")
			f.FailNth, err = posInt(k, n)
			if err != nil {
				return Faults{}, err
			}
			f.FailNthKind = Fault500
			if hasKind {
				f.FailNthKind = FaultKind(strings.ToLower(kind))
				switch f.FailNthKind {
				case Fault500, Fault502, Fault503, FaultSecondary, Fault429, FaultDrop:
				default:
					return Faults{}, fmt.Errorf("faults: fail-nth=%q: unknown kind %q (want 500, 502, 503, secondary, 429 or drop)", v, kind)
				}
			}
		case "fail-every":
			n, kinds, hasKinds := strings.Cut(v, ":")
			f.FailEvery, err = posInt(k, n)
			if err != nil {
				return Faults{}, err
			}
			if hasKinds {
				for _, kind := range strings.Split(kinds, "/") {
					switch FaultKind(strings.ToLower(kind)) {
					case Fault500, Fault502, Fault503, FaultSecondary, Fault429, FaultDrop:
					default:
						return Faults{}, fmt.Errorf("faults: fail-every=%q: unknown kind %q (want 500, 502, 503, secondary, 429 or drop, separated by /)", v, kind)
					}
				}
				f.FailEveryKinds = strings.ToLower(kinds)
			}
		case "fail-path":
			re, kind := v, ""
			if i := strings.LastIndex(v, ":"); i >= 0 {
				switch FaultKind(strings.ToLower(v[i+1:])) {
				case Fault500, Fault502, Fault503, FaultSecondary, Fault429, FaultDrop:
					re, kind = v[:i], strings.ToLower(v[i+1:])
				}
			}
			if _, cerr := regexp.Compile(re); cerr != nil || re == "" {
				return Faults{}, fmt.Errorf("faults: fail-path=%q: want a regular expression, optionally followed by :KIND", v)
			}
			f.FailPath, f.FailPathKind = re, FaultKind(kind)
		case "blackout-after":
			f.BlackoutAfter, err = posInt(k, v)
		case "seed":
			f.Seed, err = strconv.ParseInt(v, 10, 64)
			if err != nil {
				return Faults{}, fmt.Errorf("faults: seed=%q: want an integer", v)
			}
			f.HasSeed = true
		default:
			return Faults{}, fmt.Errorf("faults: unknown key %q (known: latency, jitter, error-rate, error-status, drop-rate, secondary-rate, 429-rate, retry-after, fail-nth, fail-every, fail-path, blackout-after, seed)", k)
		}
		if err != nil {
			return Faults{}, err
		}
	}
	return f, nil
}

// String renders f in the ParseFaults syntax (ParseFaults(f.String()) == f).
func (f Faults) String() string {
	var parts []string
	add := func(k, v string) { parts = append(parts, k+"="+v) }
	ff := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	if f.Latency > 0 {
		add("latency", f.Latency.String())
	}
	if f.LatencyJitter > 0 {
		add("jitter", f.LatencyJitter.String())
	}
	if f.ErrorRate > 0 {
		add("error-rate", ff(f.ErrorRate))
	}
	if f.ErrorStatus != 0 {
		add("error-status", strconv.Itoa(f.ErrorStatus))
	}
	if f.DropRate > 0 {
		add("drop-rate", ff(f.DropRate))
	}
	if f.SecondaryRate > 0 {
		add("secondary-rate", ff(f.SecondaryRate))
	}
	if f.TooManyRate > 0 {
		add("429-rate", ff(f.TooManyRate))
	}
	if f.RetryAfter > 0 {
		add("retry-after", strconv.Itoa(f.RetryAfter))
	}
	if f.FailNth > 0 {
		k := f.FailNthKind
		if k == "" {
			k = Fault500
		}
		add("fail-nth", strconv.Itoa(f.FailNth)+":"+string(k))
	}
	if f.FailEvery > 0 {
		v := strconv.Itoa(f.FailEvery)
		if f.FailEveryKinds != "" {
			v += ":" + f.FailEveryKinds
		}
		add("fail-every", v)
	}
	if f.FailPath != "" {
		v := f.FailPath
		if f.FailPathKind != "" {
			v += ":" + string(f.FailPathKind)
		}
		add("fail-path", v)
	}
	if f.BlackoutAfter > 0 {
		add("blackout-after", strconv.Itoa(f.BlackoutAfter))
	}
	if f.HasSeed {
		add("seed", strconv.FormatInt(f.Seed, 10))
	}
	return strings.Join(parts, ",")
}
