package steps

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/cucumber/godog"

	"github.com/conform-harness/conform/internal/evidence"
	"github.com/conform-harness/conform/judge"
	"github.com/conform-harness/conform/oracle"
)

// Traffic is recorded traffic judged as scenarios, so that conform audit and conform proxy give
// the same reports as a run: one scenario per export request, one step per exchange of it, in
// the order they happened. Each step fails when its exchange breaks the spec or, for a status
// document, one of the invariants (the oracle follows the request across the scenario), and
// attaches the exchange; each scenario attaches its timeline.
type Traffic struct {
	// Requests are the scenarios: for each, its name and its exchanges, judged (see Judge), in
	// the order they happened.
	Requests []judge.RecordedRequest
	// Redact, when set, scrubs secrets from everything reported (see Config.Redact).
	Redact func([]byte) []byte
	// ClientApart, when set, makes a request that breaks the spec the client's doing, not the
	// target's: noted beside its step, which it does not fail (conform proxy, whose clients'
	// mistakes do not fail the session unless --fail-on-client-violations says so). The
	// target's answer to it is judged all the same.
	ClientApart bool
}

// Feature returns the traffic as a Gherkin feature named title, for godog to run with
// Initializer: one scenario per request, one step per exchange.
func (t *Traffic) Feature(title, description string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Feature: %s\n", oneLine(title))
	for _, line := range strings.Split(strings.TrimSpace(description), "\n") {
		if line != "" {
			fmt.Fprintf(&b, "  %s\n", oneLine(line))
		}
	}
	for _, r := range t.Requests {
		fmt.Fprintf(&b, "\n  Scenario: %s\n", oneLine(r.Name))
		for i, ex := range r.Exchanges {
			keyword := "And"
			if i == 0 {
				keyword = "Then"
			}
			fmt.Fprintf(&b, "    %s exchange %d: %s\n", keyword, i+1, oneLine(exchangeLine(ex)))
		}
	}
	return b.String()
}

// exchangeLine names an exchange in a step: method, path and status, no query (it may carry
// anything).
func exchangeLine(ex judge.Exchange) string {
	path := ex.URL
	if u, err := url.Parse(ex.URL); err == nil {
		path = u.EscapedPath()
	}
	if ex.Err != nil || ex.Status == 0 {
		return fmt.Sprintf("%s %s → no answer", ex.Method, path)
	}
	return fmt.Sprintf("%s %s → %d", ex.Method, path, ex.Status)
}

// oneLine makes s fit one line of a feature file.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// Initializer returns godog's scenario initializer for the traffic: the scenarios of Feature.
func (t *Traffic) Initializer() func(*godog.ScenarioContext) {
	byName := make(map[string]judge.RecordedRequest, len(t.Requests))
	for _, r := range t.Requests {
		byName[r.Name] = r
	}
	return func(sc *godog.ScenarioContext) {
		rw := &replayWorld{traffic: t}
		sc.Before(func(ctx context.Context, s *godog.Scenario) (context.Context, error) {
			r, ok := byName[s.Name]
			if !ok {
				return ctx, fmt.Errorf("no recorded export request is called %q", s.Name)
			}
			rw.request = r
			return ctx, nil
		})
		sc.After(func(ctx context.Context, _ *godog.Scenario, _ error) (context.Context, error) {
			return attachTimeline(ctx, rw.seen, t.Redact), nil
		})
		sc.Step(`^exchange (\d+): (.+)$`, rw.exchange)
	}
}

// replayWorld is the state of one scenario of recorded traffic.
type replayWorld struct {
	traffic *Traffic
	request judge.RecordedRequest
	history judge.Tracker // the oracle of the scenario's one request, as the proxy and the audit follow it
	mu      sync.Mutex    // guards seen
	seen    []judge.Exchange
}

// exchange judges the n-th exchange of the scenario's request: the spec's verdict, and the
// oracle's on its status document, against the documents of the same request seen before it.
func (rw *replayWorld) exchange(ctx context.Context, n, _ string) (context.Context, error) {
	i, err := strconv.Atoi(n)
	if err != nil || i < 1 || i > len(rw.request.Exchanges) {
		return ctx, fmt.Errorf("the request has no exchange %s", n)
	}
	ex := rw.request.Exchanges[i-1]
	rw.mu.Lock()
	rw.seen = append(rw.seen, ex)
	rw.mu.Unlock()
	// The exchange's evidence is scrubbed of its own credentials (Exchange.Redact) as well as
	// of the run's: those of another exchange never reach it.
	redact := rw.redactor(ex)
	ctx = attachExchanges(ctx, []judge.Exchange{ex}, redact)
	var problems []string
	for _, p := range judge.ProblemsOf(ex, nil) {
		if v := p.Violation; v != nil && rw.traffic.ClientApart && v.Where == "request" {
			note := "the client's request breaks the spec (the client's doing, not the target's): " + v.String()
			ctx = godog.Attach(ctx, godog.Attachment{Body: redact([]byte(note)), FileName: "note.txt", MediaType: noteMediaType})
			continue
		}
		problems = append(problems, p.StepError(ex))
	}
	if breaches := rw.follow(ex); len(breaches) > 0 {
		shown := make([]evidence.Breach, len(breaches))
		for i, b := range breaches {
			e := b.Evidence(ex.Asked)
			// A breach shows this exchange's document and maybe an earlier one's: each is
			// scrubbed by its own exchange's redaction, the message by both.
			both := redact
			e.Current.Source, e.Current.Body = redactString(e.Current.Source, redact), redactString(e.Current.Body, redact)
			if e.Previous != nil {
				prev := *e.Previous
				if p := prev.Seq; p >= 1 && p <= len(rw.request.Exchanges) {
					before := rw.redactor(rw.request.Exchanges[p-1])
					prev.Source, prev.Body = redactString(prev.Source, before), redactString(prev.Body, before)
					both = func(b []byte) []byte { return before(redact(b)) }
				}
				e.Previous = &prev
			}
			e.Message = redactString(e.Message, both)
			problems = append(problems, redactString(judge.Problem{Breach: &b}.StepError(ex), both))
			shown[i] = e
		}
		ctx = attachBreaches(ctx, shown, redact)
	}
	if len(problems) == 0 {
		return ctx, nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d violation(s):", len(problems))
	for _, p := range problems {
		b.WriteString("\n- ")
		b.WriteString(strings.ReplaceAll(p, "\n", "\n  "))
	}
	msg := string(redact([]byte(b.String())))
	return ctx, fmt.Errorf("%s", msg)
}

// follow hands ex's status document, if it is of an export request, to the oracle of that
// request, and returns what it breaks.
func (rw *replayWorld) follow(ex judge.Exchange) []oracle.Breach {
	if ex.Asked == "" {
		return nil
	}
	return rw.history.Observe(ex.Origin(), ex).Breaches
}

// redactor returns the redaction of ex's evidence: its own (Exchange.Redact), then the
// traffic's.
func (rw *replayWorld) redactor(ex judge.Exchange) func([]byte) []byte {
	own, all := ex.Redact, rw.traffic.Redact
	return func(b []byte) []byte {
		if own != nil {
			b = own(b)
		}
		if all != nil {
			b = all(b)
		}
		return b
	}
}

// redactString is redact on a string.
func redactString(s string, redact func([]byte) []byte) string {
	if s == "" {
		return s
	}
	return string(redact([]byte(s)))
}
