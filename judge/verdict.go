package judge

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"github.com/conform-harness/conform/openapi"
	"github.com/conform-harness/conform/oracle"
)

// Problem is one thing wrong with a judged exchange, as every verdict of conform names it (a
// run's step, conform proxy's log, conform audit's console, conform load's report): the
// exchange got no answer, it breaks the spec, its status document cannot be read, or that
// document breaks an invariant. Exactly one of its fields is set.
type Problem struct {
	NoAnswer   error              // the exchange got no answer (Exchange.Err)
	Violation  *openapi.Violation // the exchange breaks the spec
	Unreadable error              // the status document cannot be read (Exchange.DocErr)
	Breach     *oracle.Breach     // the status document breaks an invariant
}

// ProblemsOf returns the problems of ex in the order conform names them: no answer, the
// spec's violations, a status document that cannot be read (only when no violation already
// says why: a body the spec lets through must not go unjudged either), then breaches, the
// oracle's verdict on its document (Tracker.Observe, or oracle.CheckDocument).
func ProblemsOf(ex Exchange, breaches []oracle.Breach) []Problem {
	var out []Problem
	if ex.Err != nil {
		out = append(out, Problem{NoAnswer: ex.Err})
	}
	for i := range ex.Violations {
		out = append(out, Problem{Violation: &ex.Violations[i]})
	}
	if ex.DocErr != nil && len(ex.Violations) == 0 {
		out = append(out, Problem{Unreadable: ex.DocErr})
	}
	for i := range breaches {
		out = append(out, Problem{Breach: &breaches[i]})
	}
	return out
}

// Line is p on one line, as conform load reports it: "spec: response /progress: …",
// "invariant 4 (settled-item-is-final): …", "the status document cannot be read: …", "no
// answer: …". Its control characters are escaped (EscapeControls): what a target slipped into
// a key or a value cannot forge another line, nor drive a terminal.
func (p Problem) Line() string {
	var s string
	switch {
	case p.NoAnswer != nil:
		s = "no answer: " + p.NoAnswer.Error()
	case p.Violation != nil:
		v := p.Violation
		s = "spec: " + v.Where
		if v.Pointer != "" {
			s += " " + v.Pointer
		}
		s += ": " + v.Reason
	case p.Unreadable != nil:
		s = "the status document cannot be read: " + p.Unreadable.Error()
	case p.Breach != nil:
		s = fmt.Sprintf("invariant %d (%s): %s", p.Breach.Invariant, p.Breach.Name, p.Breach.Message)
	}
	return EscapeControls(s)
}

// LogLine is Line after what the exchange was, as conform proxy logs it and conform audit
// prints it: its operation (else its method and path) and the request id it is about ("-" for
// none), as in "getExportStatus 7: invariant 4 (settled-item-is-final): …".
func (p Problem) LogLine(ex Exchange) string {
	op := ex.Operation
	if op == "" {
		op = ex.Method + " " + escapedPath(ex.URL)
	}
	id := string(ex.Asked)
	if id == "" {
		id = "-"
	}
	return EscapeControls(op+" "+id+": ") + p.Line()
}

// StepError is p as the error of a step shows it, which may take several lines: what was
// called, and for a breach the documents involved (oracle.Breach.Error), as in "the answer
// breaks the spec: getExportStatus GET /…/exportStatuses/7 → 200: response /progress: …".
func (p Problem) StepError(ex Exchange) string {
	switch {
	case p.NoAnswer != nil:
		return fmt.Sprintf("%s %s: no answer: %v", ex.Method, ex.URL, p.NoAnswer)
	case p.Violation != nil:
		return "the answer breaks the spec: " + p.Violation.String()
	case p.Unreadable != nil:
		return fmt.Sprintf("%s %s → %d: the status document cannot be read: %v", ex.Method, ex.URL, ex.Status, p.Unreadable)
	case p.Breach != nil:
		return p.Breach.Error()
	}
	return ""
}

// escapedPath is the path of rawURL as sent, or rawURL when it cannot be parsed.
func escapedPath(rawURL string) string {
	if u, err := url.Parse(rawURL); err == nil {
		return u.EscapedPath()
	}
	return rawURL
}

// EscapeControls writes the control characters of s (a newline, an escape sequence a target
// slipped into a key or a value) as Go escapes, so that a line stays one line of a log or a
// report and cannot forge another, nor drive a terminal: every one-line verdict and drift
// conform prints goes through it.
func EscapeControls(s string) string {
	if !strings.ContainsFunc(s, unicode.IsControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unicode.IsControl(r) {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
