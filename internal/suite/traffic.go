package suite

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	messages "github.com/cucumber/messages/go/v34"

	"github.com/conform-harness/conform/internal/evidence"
	"github.com/conform-harness/conform/internal/messagefmt"
	"github.com/conform-harness/conform/judge"
)

// TrafficReports are the reports of recorded traffic (conform audit, conform proxy): the judged
// exchanges as one feature, one scenario per export request (judge.GroupByRequest), one step per
// exchange, in the order they happened. They are the reports a run writes, built straight from
// the exchanges: no feature text is parsed and godog runs nothing.
type TrafficReports struct {
	// Title names the feature (the HAR files, the proxy's target).
	Title string
	// Formats are the reports to write, as a run takes them; a format without a path goes to
	// Output.
	Formats []Format
	// Output receives the reports that have no file; nil means os.Stdout. Nothing written to it
	// has colours.
	Output io.Writer
	// Redact, when set, scrubs the traffic's secrets from everything of the target's that is
	// reported (as Options.Redact); each exchange's own credentials are scrubbed from its own
	// evidence too (judge.Exchange.Redact).
	Redact func([]byte) []byte
	// ClientApart, when set, makes a request that breaks the spec the client's doing, not the
	// target's: noted beside its step, which it does not fail (conform proxy, whose clients'
	// mistakes do not fail the session unless --fail-on-client-violations says so). The
	// target's answer to it is judged all the same.
	ClientApart bool
	// Envelopes, when set, receives the traffic as Cucumber Messages, in stream order: what the
	// HTML report is built from.
	Envelopes func([]*messages.Envelope) error
}

// ReportTraffic writes the reports o asks for of exchanges, judged, in the order they happened,
// and says whether every scenario passed. Each step fails when its exchange breaks the spec or,
// for a status document, one of the invariants (the oracle follows the request across its
// scenario, judge.Tracker); a scenario's steps after a failed one are skipped, as a run skips
// them. It returns a *UsageError for a format it does not know, and the errors of the reports
// it could not write, every one of them: one report that cannot be written does not cost the
// others.
func ReportTraffic(exchanges []judge.Exchange, o TrafficReports) (passed bool, err error) {
	requests := judge.GroupByRequest(exchanges)
	if len(requests) == 0 {
		return true, nil
	}
	if err := checkTrafficFormats(o.Formats); err != nil {
		return false, err
	}
	out := o.Output
	if out == nil {
		out = os.Stdout
	}
	run := replayTraffic(o.Title, requests, o.Redact, o.ClientApart)
	return !run.failed(), run.write(o.Formats, out, o.Envelopes)
}

// trafficFormats are the reports a run writes, by the name --format takes.
var trafficFormats = []string{"cucumber", "events", "junit", messagefmt.Name, "pretty", "progress"}

// checkTrafficFormats says, before anything is written, a format that is not known or a path
// that a run would not take.
func checkTrafficFormats(formats []Format) error {
	for _, f := range formats {
		if !slices.Contains(trafficFormats, f.Name) {
			return &UsageError{Err: fmt.Errorf("--format: unknown formatter %q (have %s)", f.Name, strings.Join(trafficFormats, ", "))}
		}
		if strings.Contains(f.Path, ",") {
			return &UsageError{Err: fmt.Errorf("--format: report path %q must not contain a comma", f.Path)}
		}
	}
	return nil
}

// The feature's file name and the one step pattern of recorded traffic, as the reports name
// them.
const (
	trafficURI     = "traffic.feature"
	trafficPattern = `^exchange (\d+): (.+)$`
)

// trafficStepExpr matches a step of recorded traffic: its exchange's number and its line.
var trafficStepExpr = regexp.MustCompile(trafficPattern)

// trafficRun is recorded traffic judged as one feature, with everything its reports show.
type trafficRun struct {
	title     string
	source    string // the feature as Gherkin text: what the reports quote as its source
	scenarios []*trafficScenario
	started   time.Time
}

// trafficScenario is one export request of the traffic.
type trafficScenario struct {
	name      string
	line      int
	steps     []*trafficStep
	started   time.Time
	seen      []judge.Exchange // the exchanges judged, up to the first failed one
	timeline  int              // the step the timeline is attached to (the last one run), or -1
	redactAll func([]byte) []byte
}

// trafficStep is one exchange of an export request.
type trafficStep struct {
	keyword  string // "Then " or "And "
	text     string // "exchange 3: GET /… → 200"
	line     int
	ex       judge.Exchange
	status   string // passed, failed or skipped
	err      string // why it failed, redacted
	extra    []attachment
	finished time.Time
}

// attachment is one attachment of a step, as godog.Attachment holds it.
type attachment struct {
	name, mediaType string
	body            []byte
}

// noteMediaType is the media type of a note beside a step, for people to read (as the steps
// attach theirs).
const noteMediaType = "text/plain"

// replayTraffic judges requests as scenarios: for each, its exchanges in order, the spec's
// verdict and the oracle's on its status documents against the earlier ones of the same request.
func replayTraffic(title string, requests []judge.RecordedRequest, redact func([]byte) []byte, clientApart bool) *trafficRun {
	run := &trafficRun{title: oneLine(title), started: time.Now()}
	var src strings.Builder
	fmt.Fprintf(&src, "Feature: %s\n", run.title)
	line := 1
	for _, r := range requests {
		sc := &trafficScenario{name: oneLine(r.Name), timeline: -1, redactAll: redact}
		line += 2 // a blank line, then the scenario's
		sc.line = line
		fmt.Fprintf(&src, "\n  Scenario: %s\n", sc.name)
		for i, ex := range r.Exchanges {
			st := &trafficStep{keyword: "And ", text: oneLine(fmt.Sprintf("exchange %d: %s", i+1, exchangeLine(ex))), ex: ex}
			if i == 0 {
				st.keyword = "Then "
			}
			line++
			st.line = line
			fmt.Fprintf(&src, "    %s%s\n", st.keyword, st.text)
			sc.steps = append(sc.steps, st)
		}
		run.scenarios = append(run.scenarios, sc)
	}
	run.source = src.String()
	for i, sc := range run.scenarios {
		sc.judge(requests[i], clientApart)
	}
	return run
}

// judge judges the scenario's steps in order: after a failed one, the rest are skipped, and the
// timeline (of what was judged) goes with the last step judged.
func (sc *trafficScenario) judge(r judge.RecordedRequest, clientApart bool) {
	sc.started = time.Now()
	var history judge.Tracker // the scenario's one request, followed as the proxy and the audit follow it
	failed := false
	for i, st := range sc.steps {
		if failed {
			st.status = statusSkipped
			st.finished = time.Now()
			continue
		}
		sc.seen = append(sc.seen, st.ex)
		st.judgeExchange(r, &history, clientApart, sc.redactAll)
		st.finished = time.Now()
		sc.timeline = i
		failed = st.status == statusFailed
	}
}

// judgeExchange judges the step's exchange: the spec's verdict, and the oracle's on its status
// document, against the documents of the same request seen before it.
func (st *trafficStep) judgeExchange(r judge.RecordedRequest, history *judge.Tracker, clientApart bool, all func([]byte) []byte) {
	ex := st.ex
	// The exchange's evidence is scrubbed of its own credentials (Exchange.Redact) as well as
	// of the traffic's: those of another exchange never reach it.
	redact := exchangeRedactor(ex, all)
	var problems []string
	for _, p := range judge.ProblemsOf(ex, nil) {
		if v := p.Violation; v != nil && clientApart && v.Where == "request" {
			note := "the client's request breaks the spec (the client's doing, not the target's): " + v.String()
			st.extra = append(st.extra, attachment{name: "note.txt", mediaType: noteMediaType, body: redact([]byte(note))})
			continue
		}
		problems = append(problems, p.StepError(ex))
	}
	if breaches := history.Observe(ex.Origin(), ex).Breaches; len(breaches) > 0 {
		for i, b := range breaches {
			e := b.Evidence(ex.Asked)
			// A breach shows this exchange's document and maybe an earlier one's: each is
			// scrubbed by its own exchange's redaction, the message by both.
			both := redact
			e.Current.Source, e.Current.Body = redactString(e.Current.Source, redact), redactString(e.Current.Body, redact)
			if e.Previous != nil {
				prev := *e.Previous
				if p := prev.Seq; p >= 1 && p <= len(r.Exchanges) {
					before := exchangeRedactor(r.Exchanges[p-1], all)
					prev.Source, prev.Body = redactString(prev.Source, before), redactString(prev.Body, before)
					both = func(b []byte) []byte { return before(redact(b)) }
				}
				e.Previous = &prev
			}
			e.Message = redactString(e.Message, both)
			problems = append(problems, redactString(judge.Problem{Breach: &b}.StepError(ex), both))
			if body, err := json.Marshal(e); err == nil { // every field is a plain value
				st.extra = append(st.extra, attachment{name: fmt.Sprintf("breach-%d-invariant-%d.json", i+1, e.Invariant),
					mediaType: evidence.BreachMediaType, body: redact(body)})
			}
		}
	}
	st.status = statusPassed
	if len(problems) == 0 {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d violation(s):", len(problems))
	for _, p := range problems {
		b.WriteString("\n- ")
		b.WriteString(strings.ReplaceAll(p, "\n", "\n  "))
	}
	st.status, st.err = statusFailed, string(redact([]byte(b.String())))
}

// attachments returns what the step attaches, in the order a run attaches it: its exchange,
// the notes and the breaches, and, on the scenario's last step run, the timeline.
func (sc *trafficScenario) attachments(i int) []attachment {
	st := sc.steps[i]
	if st.status == statusSkipped {
		return nil
	}
	var out []attachment
	if body, err := json.Marshal(judge.Evidence(st.ex)); err == nil { // every field is a plain value
		out = append(out, attachment{name: fmt.Sprintf("exchange-%03d.json", st.ex.Seq), mediaType: evidence.ExchangeMediaType,
			body: exchangeRedactor(st.ex, sc.redactAll)(body)})
	}
	out = append(out, st.extra...)
	if i == sc.timeline {
		if tl := judge.Timeline(sc.seen); len(tl.Requests) > 0 {
			if body, err := json.Marshal(tl); err == nil {
				if sc.redactAll != nil {
					body = sc.redactAll(body)
				}
				out = append(out, attachment{name: "timeline.json", mediaType: evidence.TimelineMediaType, body: body})
			}
		}
	}
	return out
}

// failed says whether a scenario of the traffic failed.
func (run *trafficRun) failed() bool {
	for _, sc := range run.scenarios {
		if sc.outcome() == statusFailed {
			return true
		}
	}
	return false
}

// outcome is the scenario's outcome, by the rule every report counts it by.
func (sc *trafficScenario) outcome() string {
	statuses := make([]string, len(sc.steps))
	for i, st := range sc.steps {
		statuses[i] = st.status
	}
	return outcome(statuses)
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

// exchangeRedactor returns the redaction of ex's evidence: its own (Exchange.Redact), then the
// traffic's.
func exchangeRedactor(ex judge.Exchange, all func([]byte) []byte) func([]byte) []byte {
	own := ex.Redact
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
