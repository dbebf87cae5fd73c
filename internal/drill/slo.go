package drill

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Metric names, in the report and in --slo.
const (
	MetricGrant   = "time_to_grant"       // start → change applied and verified
	MetricAlert   = "time_to_alert"       // start → audit issue created (and notifications delivered)
	MetricHold    = "hold_accuracy"       // |actual rollback − scheduled expiry|
	MetricRestore = "time_to_restore"     // expiry → restore verified
	MetricOpenFor = "door_open_for"       // change applied → restore verified (informational)
	MetricAudit   = "time_to_audit_issue" // start → audit issue created (part of time_to_alert)
	MetricWebhook = "time_to_webhook"     // start → webhook delivered (part of time_to_alert)
)

// SLOs are upper bounds per metric. A drill that misses one fails.
type SLOs map[string]time.Duration

// DefaultSLOs are documented in docs/drill-report.md. They are generous
// enough for real GitHub (a few seconds per round trip under load) and
// still catch a rollback that waits for the next five-minute sweep.
func DefaultSLOs() SLOs {
	return SLOs{
		MetricGrant:   15 * time.Second,
		MetricAlert:   10 * time.Second,
		MetricHold:    30 * time.Second,
		MetricRestore: 15 * time.Second,
	}
}

// ParseSLO applies "metric=duration" overrides, e.g. "time_to_grant=5s".
func (s SLOs) ParseSLO(specs []string) error {
	for _, spec := range specs {
		name, val, ok := strings.Cut(spec, "=")
		if !ok {
			return fmt.Errorf("invalid --slo %q: use METRIC=DURATION, e.g. time_to_grant=5s", spec)
		}
		name = strings.TrimSpace(name)
		if _, known := DefaultSLOs()[name]; !known {
			return fmt.Errorf("invalid --slo %q: unknown metric %q (valid: %s)", spec, name, strings.Join(s.names(), ", "))
		}
		d, err := time.ParseDuration(strings.TrimSpace(val))
		if err != nil || d <= 0 {
			return fmt.Errorf("invalid --slo %q: %q is not a positive duration", spec, val)
		}
		s[name] = d
	}
	return nil
}

func (s SLOs) names() []string {
	var n []string
	for k := range DefaultSLOs() {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

func (s SLOs) millis() map[string]Millis {
	out := map[string]Millis{}
	for k, v := range s {
		out[k] = Ms(v)
	}
	return out
}

// apply adds one check per measured metric that has an SLO.
func (s SLOs) apply(sc *Scenario) {
	for _, name := range sortedMetrics(sc.Metrics) {
		limit, ok := s[name]
		if !ok {
			continue
		}
		got := time.Duration(sc.Metrics[name]) * time.Millisecond
		sc.check("slo "+name, got <= limit, "%s (limit %s)", got, limit)
	}
}
