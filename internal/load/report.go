package load

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// stats is what one worker saw. Each worker has its own, so that counting needs no lock; Run
// merges them at the end.
type stats struct {
	buf           bytes.Buffer // the worker's answer body, reused
	limit         int          // how many violations and errors to quote
	hist          histogram
	statuses      map[outcome]int64
	failed        int64
	abandoned     int64 // requests whose answer was not waited for, because ctx ended
	errors        []string
	sent          int64 // answers seen, for the validation sample
	validated     int64
	nonConforming int64
	violations    []string
}

// outcome is one operation and the status it answered.
type outcome struct {
	op     string
	status int
}

func newStats(limit int) *stats {
	return &stats{limit: limit, statuses: map[outcome]int64{}}
}

func (s *stats) answered(op string, status int, took time.Duration) {
	s.hist.record(took)
	s.statuses[outcome{op, status}]++
}

func (s *stats) fail(op string, err error) {
	s.failed++
	if len(s.errors) < s.limit {
		s.errors = append(s.errors, op+": "+err.Error())
	}
}

// turn reports whether this answer is one of the sample: the first, then one in every.
func (s *stats) turn(every int) bool {
	s.sent++
	return (s.sent-1)%int64(every) == 0
}

func (s *stats) check(exchange string, problems []string) {
	s.validated++
	if len(problems) == 0 {
		return
	}
	s.nonConforming++
	for _, p := range problems {
		if len(s.violations) < s.limit {
			s.violations = append(s.violations, exchange+": "+p)
		}
	}
}

func (s *stats) merge(o *stats) {
	s.hist.merge(&o.hist)
	for k, n := range o.statuses {
		s.statuses[k] += n
	}
	s.failed += o.failed
	s.abandoned += o.abandoned
	s.errors = appendUpTo(s.errors, o.errors, s.limit)
	s.sent += o.sent
	s.validated += o.validated
	s.nonConforming += o.nonConforming
	s.violations = appendUpTo(s.violations, o.violations, s.limit)
}

func appendUpTo(dst, src []string, limit int) []string {
	return append(dst, src[:min(len(src), max(limit-len(dst), 0))]...)
}

// Report is what a load saw. Requests, Throughput, Latency and Statuses count the measured
// load only; Validated, NonConforming and Violations count setup and cleanup answers too.
type Report struct {
	Target      string        `json:"target"`
	Mix         Mix           `json:"mix"`
	Concurrency int           `json:"concurrency"`
	Rate        float64       `json:"rate"` // requests per second; 0: no limit
	Elapsed     time.Duration `json:"-"`
	// Requests is every request started during the load. Failed is those that got no answer
	// from the target; Abandoned those whose answer the load stopped waiting for because it was
	// interrupted (its context ended), which says nothing about the target.
	Requests  int64 `json:"requests"`
	Failed    int64 `json:"failed"`
	Abandoned int64 `json:"abandoned"`
	// Interrupted reports that the load's context ended before the load did: it stopped early.
	Interrupted bool    `json:"interrupted"`
	Throughput  float64 `json:"throughput"` // answers per second
	Latency     Latency `json:"latency"`
	// Statuses counts the answers by operation and status, most frequent first.
	Statuses      []StatusCount `json:"statuses"`
	Errors        []string      `json:"errors,omitempty"` // the first few failures
	ValidateEvery int           `json:"validate_every"`
	Validated     int64         `json:"validated"`
	NonConforming int64         `json:"non_conforming"`
	Violations    []string      `json:"violations,omitempty"` // the first few
	// Setup is how many requests MixStatus created before the load (and cancelled after it).
	Setup int `json:"setup_requests"`
}

// Latency holds percentiles of the time from sending a request to having read its whole answer,
// to within 1 %.
type Latency struct {
	P50, P90, P99, Max time.Duration
}

// MarshalJSON writes the percentiles in milliseconds.
func (l Latency) MarshalJSON() ([]byte, error) {
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	return json.Marshal(map[string]float64{"p50_ms": ms(l.P50), "p90_ms": ms(l.P90), "p99_ms": ms(l.P99), "max_ms": ms(l.Max)})
}

// StatusCount is the number of answers of one operation with one status.
type StatusCount struct {
	Operation string `json:"operation"`
	Status    int    `json:"status"`
	Count     int64  `json:"count"`
}

func (s *stats) report(cfg Config, elapsed time.Duration) *Report {
	rep := &Report{
		Target:        cfg.Root,
		Mix:           cfg.Mix,
		Concurrency:   cfg.Concurrency,
		Rate:          cfg.Rate,
		Elapsed:       elapsed,
		Requests:      s.hist.n + s.failed + s.abandoned,
		Failed:        s.failed,
		Abandoned:     s.abandoned,
		Errors:        s.errors,
		ValidateEvery: cfg.ValidateEvery,
		Validated:     s.validated,
		NonConforming: s.nonConforming,
		Violations:    s.violations,
		Latency: Latency{
			P50: s.hist.quantile(0.50),
			P90: s.hist.quantile(0.90),
			P99: s.hist.quantile(0.99),
			Max: s.hist.max,
		},
	}
	if elapsed > 0 {
		rep.Throughput = float64(s.hist.n) / elapsed.Seconds()
	}
	for k, n := range s.statuses {
		rep.Statuses = append(rep.Statuses, StatusCount{Operation: k.op, Status: k.status, Count: n})
	}
	slices.SortFunc(rep.Statuses, func(a, b StatusCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Operation, b.Operation), cmp.Compare(a.Status, b.Status))
	})
	return rep
}

// addOutside adds the checks of setup and cleanup answers.
func (r *Report) addOutside(s *stats) {
	r.Validated += s.validated
	r.NonConforming += s.nonConforming
	r.Violations = appendUpTo(slices.Clone(s.violations), r.Violations, s.limit)
	r.Errors = appendUpTo(slices.Clone(s.errors), r.Errors, s.limit)
}

// Conforms reports whether every checked answer conformed and every request got an answer.
// Abandoned requests do not count against it: the load, not the target, gave up on them.
func (r *Report) Conforms() bool { return r.NonConforming == 0 && r.Failed == 0 }

// WriteText writes the report for a person.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	rate := "no limit"
	if r.Rate > 0 {
		rate = fmt.Sprintf("at most %g/s", r.Rate)
	}
	fmt.Fprintf(&b, "target:      %s\n", r.Target)
	fmt.Fprintf(&b, "load:        mix %s, concurrency %d, rate %s", r.Mix, r.Concurrency, rate)
	if r.Setup > 0 {
		fmt.Fprintf(&b, ", %d requests created first and cancelled after", r.Setup)
	}
	fmt.Fprintf(&b, "\nrequests:    %d in %s (%d without an answer", r.Requests, r.Elapsed.Round(time.Millisecond), r.Failed)
	if r.Interrupted || r.Abandoned > 0 {
		fmt.Fprintf(&b, ", %d abandoned when the load was interrupted", r.Abandoned)
	}
	b.WriteString(")\n")
	fmt.Fprintf(&b, "throughput:  %.0f answers/s\n", r.Throughput)
	fmt.Fprintf(&b, "latency:     p50 %s  p90 %s  p99 %s  max %s\n", roundLatency(r.Latency.P50), roundLatency(r.Latency.P90), roundLatency(r.Latency.P99), roundLatency(r.Latency.Max))
	b.WriteString("answers:\n")
	for _, s := range r.Statuses {
		fmt.Fprintf(&b, "  %-20s %d  %d\n", s.Operation, s.Status, s.Count)
	}
	switch r.ValidateEvery {
	case 0:
		fmt.Fprintf(&b, "checked:     none of the load's answers; %d of setup and cleanup\n", r.Validated)
	case 1:
		fmt.Fprintf(&b, "checked:     %d answers (every one) against the spec and the invariants\n", r.Validated)
	default:
		fmt.Fprintf(&b, "checked:     %d answers (one in %d) against the spec and the invariants\n", r.Validated, r.ValidateEvery)
	}
	fmt.Fprintf(&b, "nonconforming: %d\n", r.NonConforming)
	for _, v := range r.Violations {
		fmt.Fprintf(&b, "  %s\n", v)
	}
	if len(r.Errors) > 0 {
		b.WriteString("errors:\n")
		for _, e := range r.Errors {
			fmt.Fprintf(&b, "  %s\n", e)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// roundLatency keeps three significant digits or so.
func roundLatency(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}

// WriteJSON writes the report as one JSON object.
func (r *Report) WriteJSON(w io.Writer) error {
	type out Report
	v := struct {
		*out
		ElapsedSeconds float64 `json:"elapsed_seconds"`
	}{(*out)(r), r.Elapsed.Seconds()}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
