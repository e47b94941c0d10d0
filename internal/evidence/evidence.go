// Package evidence defines what a run attaches to its steps so that reports can show it: each
// HTTP exchange with the spec's verdict, and, per scenario, the timeline of the progress values
// observed. Steps produce these as godog attachments (so they reach the Cucumber JSON and the
// Cucumber Messages); the HTML report reads them back.
package evidence

import "time"

// Media types of the attachments.
const (
	ExchangeMediaType = "application/vnd.conform.exchange+json"
	TimelineMediaType = "application/vnd.conform.timeline+json"
)

// Verdicts of an exchange.
const (
	Conforms = "conforms"
	Violates = "violates"
	Failed   = "failed" // no response: the exchange could not be made
)

// Exchange is one HTTP request and its response, ready to show: headers with secrets redacted,
// bodies pretty-printed and capped.
type Exchange struct {
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
	Violations      []Violation         `json:"violations,omitempty"`
	Error           string              `json:"error,omitempty"`
}

// Violation is one way an exchange breaks the spec.
type Violation struct {
	Operation string `json:"operation,omitempty"`
	Where     string `json:"where"` // request or response
	Pointer   string `json:"pointer,omitempty"`
	Reason    string `json:"reason"`
	Text      string `json:"text"` // the whole violation on one line
}

// Timeline is every status document a scenario saw, per request, in order.
type Timeline struct {
	Requests []RequestTimeline `json:"requests"`
}

// RequestTimeline is what was observed of one request.
type RequestTimeline struct {
	ID           string        `json:"id"`
	CancelSentAt *time.Time    `json:"cancelSentAt,omitempty"` // when the first cancel that was answered 200 went out
	Observations []Observation `json:"observations"`
}

// Observation is one status document, reduced to its progress values.
type Observation struct {
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
