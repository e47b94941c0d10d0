package judge

import (
	"net/http"
	"time"

	"github.com/conform-harness/conform/internal/credentials"
	"github.com/conform-harness/conform/openapi"
	"github.com/conform-harness/conform/oracle"
)

// Auditor judges the exchanges of any traffic one by one, in the order they happened, as conform
// proxy sees them and conform audit reads them: the spec's verdict (through a Judger), and for
// each export request, told apart by origin and id, the oracle's, following the request across
// its creates, status calls and cancels, in a Tracker. Each violation is one line
// (Problem.LogLine), naming the operation, the request id, and the schema pointer or the
// invariant.
//
// An answer that repeats the last status document of its request byte for byte has nothing new
// to show the oracle: it breaks exactly what that one broke, and it is not added to the
// request's history again (Tracker). A request polled for an hour is then as cheap to follow as
// one polled twice. It is safe for concurrent use; exchanges of one request must come in order.
type Auditor struct {
	judger   *Judger
	follower *Tracker // the history of each export request, by origin and id
}

// NewAuditor returns an Auditor that validates against v and follows every export request it
// sees.
func NewAuditor(v *openapi.Validator) *Auditor {
	return &Auditor{judger: NewJudger(v), follower: &Tracker{}}
}

// NewBoundedAuditor returns an Auditor that validates against v and follows at most max export
// requests at once (TrackerOptions.Max); max < 1 means no bound.
func NewBoundedAuditor(v *openapi.Validator, max int) *Auditor {
	return NewTrackingAuditor(v, NewTracker(TrackerOptions{Max: max}))
}

// NewTrackingAuditor returns an Auditor that validates against v and follows each export
// request, by origin and id, in t: one history and one bound, which coverage may share
// (coverage.Following).
func NewTrackingAuditor(v *openapi.Validator, t *Tracker) *Auditor {
	return &Auditor{judger: NewJudger(v), follower: t}
}

// Followed returns how many export requests the auditor follows now, and how many it stopped
// following to stay within its bound (TrackerOptions.Max).
func (a *Auditor) Followed() (followed, evicted int) { return a.follower.Followed() }

// Judge judges an exchange (see Judge) and returns it with its violations, one line each.
func (a *Auditor) Judge(req *http.Request, reqBody []byte, status int, header http.Header, body []byte, at time.Time) (Exchange, []string) {
	ex := a.Verdict(req, reqBody, status, header, body, at)
	return ex, a.Problems(ex)
}

// Verdict is the first half of Judge: the spec's verdict and the decoded body, which depend on
// the exchange alone, so that many can be made at once, in any order. Problems, the second
// half, must then be asked in the order the exchanges happened.
func (a *Auditor) Verdict(req *http.Request, reqBody []byte, status int, header http.Header, body []byte, at time.Time) Exchange {
	return a.judger.Judge(req, reqBody, status, header, body, at)
}

// VerdictRedacting is Verdict for an exchange with its own redaction (Exchange.Redact): the
// values its violations quote are scrubbed by red (Judger.JudgeRedacting), and the exchange
// carries it to the reports. red is the exchange's own (credentials.Redactor.ForExchange), not
// one that every client's credentials reach.
func (a *Auditor) VerdictRedacting(red *credentials.Redactor, req *http.Request, reqBody []byte, status int, header http.Header, body []byte, at time.Time) Exchange {
	ex := a.judger.JudgeRedacting(red, req, reqBody, status, header, body, at)
	ex.Redact = red.Bytes
	return ex
}

// Problems returns the violations of a judged exchange, one line each (Problem.LogLine): the
// spec's, and for a status document of an export request the oracle's, against the earlier
// documents of the same request.
func (a *Auditor) Problems(ex Exchange) []string {
	return LogLines(ex, a.Follow(ex))
}

// Follow is the oracle's half of Problems: it hands ex's status document, if any, to the
// history of its request and returns the invariants it breaks. Exchanges must come in the order
// they happened.
func (a *Auditor) Follow(ex Exchange) []oracle.Breach {
	if ex.Asked == "" {
		return nil
	}
	return a.follower.Observe(ex.Origin(), ex).Breaches
}

// LogLines are the problems of ex (ProblemsOf), breaches its status document's, one log line
// each (Problem.LogLine).
func LogLines(ex Exchange, breaches []oracle.Breach) []string {
	var lines []string
	for _, p := range ProblemsOf(ex, breaches) {
		lines = append(lines, p.LogLine(ex))
	}
	return lines
}
