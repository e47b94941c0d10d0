// Package evidence defines what a run attaches to its steps so that reports can show it: each
// HTTP exchange with the spec's verdict, the invariants broken, why a step was skipped, and, per
// scenario, the timeline of the progress values observed. Steps produce these as godog
// attachments (so they reach the Cucumber JSON and the Cucumber Messages); the HTML report reads
// them back.
package evidence

import (
	"bytes"
	"encoding/json"
	"time"
	"unicode/utf8"
)

// Media types of the attachments.
const (
	ExchangeMediaType = "application/vnd.conform.exchange+json"
	TimelineMediaType = "application/vnd.conform.timeline+json"
	BreachMediaType   = "application/vnd.conform.breach+json"
	SkipMediaType     = "application/vnd.conform.skip+json"
)

// MaxBody caps each body a report shows, in bytes; the rest is cut and marked.
const MaxBody = 16 << 10

// Verdicts of an exchange.
const (
	Conforms = "conforms"
	Violates = "violates"
	Failed   = "failed" // no response: the exchange could not be made
)

// Call is one HTTP request and its response, ready to show: headers with secrets redacted,
// bodies pretty-printed and capped.
type Call struct {
	Seq             int                 `json:"seq"`
	At              time.Time           `json:"at"`
	Method          string              `json:"method"`
	URL             string              `json:"url"`
	RequestHeaders  map[string][]string `json:"requestHeaders,omitempty"`
	RequestBody     string              `json:"requestBody,omitempty"`
	Status          int                 `json:"status,omitempty"`
	ResponseHeaders map[string][]string `json:"responseHeaders,omitempty"`
	ResponseBody    string              `json:"responseBody,omitempty"`
	Truncated       bool                `json:"truncated,omitempty"` // a body was cut at the cap
	Verdict         string              `json:"verdict"`
	Violations      []SpecViolation     `json:"violations,omitempty"`
	Error           string              `json:"error,omitempty"`
}

// SpecViolation is one way an exchange breaks the spec.
type SpecViolation struct {
	Operation string `json:"operation,omitempty"`
	Where     string `json:"where"` // request or response
	Pointer   string `json:"pointer,omitempty"`
	Reason    string `json:"reason"`
	Text      string `json:"text"` // the whole violation on one line
}

// Breach is one invariant of DESIGN §2 that a status document broke, as the oracle found it:
// which invariant, the request, what is wrong, and the two documents involved.
type Breach struct {
	Invariant int       `json:"invariant"` // its number, 1 to 9
	Name      string    `json:"name"`      // its short name, e.g. settled-item-is-final
	Request   string    `json:"request"`   // the id of the request the documents are about
	Message   string    `json:"message"`   // what is wrong, on one line
	Current   Sighting  `json:"current"`   // the document that broke it
	Previous  *Sighting `json:"previous,omitempty"`
}

// Skip says why a step was skipped: the target could not be brought to the state the step
// needs (a precondition), which proves nothing about the target either way. The step and the
// rest of its scenario are skipped, not failed; godog's reports give no reason of their own.
type Skip struct {
	Step   string `json:"step"`   // the step's text
	Reason string `json:"reason"` // what was wanted and what the target did instead, on one line or more
}

// Sighting is one status document the oracle judged: the exchange that carried it, when, and
// the document as shown.
type Sighting struct {
	Seq    int       `json:"seq"`            // the exchange's number in the scenario; a Snapshot's Seq
	At     time.Time `json:"at"`             // when it was seen, on the target's clock; zero when not recorded
	Source string    `json:"source"`         // e.g. GET http://…/exportStatuses/1 → 200
	Body   string    `json:"body,omitempty"` // as ShowBody shows it
}

// Timeline is every status document a scenario saw, per request, in order.
type Timeline struct {
	Requests []RequestTimeline `json:"requests"`
}

// RequestTimeline is what was observed of one request.
type RequestTimeline struct {
	ID           string     `json:"id"`
	CancelSentAt *time.Time `json:"cancelSentAt,omitempty"` // when the first cancel that was answered 200 went out
	Observations []Snapshot `json:"observations"`
}

// Snapshot is one status document, reduced to its progress values.
type Snapshot struct {
	Seq       int         `json:"seq"`
	At        time.Time   `json:"at"`
	Progress  string      `json:"progress"`
	Completed bool        `json:"completed"`
	Items     []ItemState `json:"items,omitempty"`
}

// ItemState is one item's progress in an observation.
type ItemState struct {
	Name     string `json:"name"`
	Progress string `json:"progress"`
}

// ShowBody returns a body as a report shows it: pretty-printed when it is JSON, and cut after
// MaxBody bytes (at a character boundary) with a mark; cut says whether it was.
func ShowBody(b []byte) (shown string, cut bool) {
	if len(b) == 0 {
		return "", false
	}
	var buf bytes.Buffer
	if json.Indent(&buf, b, "", "  ") == nil {
		b = buf.Bytes()
	}
	if len(b) <= MaxBody {
		return string(b), false
	}
	n := MaxBody
	for n > 0 && !utf8.RuneStart(b[n]) {
		n--
	}
	return string(b[:n]) + "\n… (cut)", true
}
