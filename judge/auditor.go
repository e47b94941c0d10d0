package judge

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/internal/bounded"
	"github.com/conform-harness/conform/internal/credentials"
	"github.com/conform-harness/conform/openapi"
	"github.com/conform-harness/conform/oracle"
)

// Auditor judges the exchanges of any traffic one by one, in the order they happened, as conform
// proxy sees them and conform audit reads them: the spec's verdict (through a Judger), and for
// each export request, told apart by origin and id, the oracle's, following the request across
// its creates, status calls and cancels. Each violation is one line, naming the operation, the
// request id, and the schema pointer or the invariant.
//
// An answer that repeats the last status document of its request byte for byte has nothing new
// to show the oracle: it breaks exactly what that one broke, and it is not added to the
// request's history again. A request polled for an hour is then as cheap to follow as one
// polled twice. It is safe for concurrent use; exchanges of one request must come in order.
type Auditor struct {
	judger   *Judger
	follower Follower
}

// Follower hands each status document of any traffic to the oracle of its export request, told
// apart by origin and id. A document that repeats the last one of its request byte for byte has
// nothing new to show: it breaks what that one broke, and it is not added to the history again.
// Its zero value is ready and follows every request it sees; Max bounds them. It is safe for
// concurrent use. Documents of one request must come in the order they were seen.
type Follower struct {
	// Max bounds the requests followed at once; 0 means no bound. Beyond it, the follower stops
	// following one to make room: a completed one first, the one seen longest ago first, else
	// the one seen longest ago; a later document of that request is judged without its history,
	// as the first of a new one. Evicted counts them. Set it before the first Observe.
	Max int

	mu       sync.Mutex // guards requests
	requests *bounded.Table[requestKey, *followed]
}

// DefaultMaxFollowed is the number of export requests conform proxy follows at once unless told
// otherwise (--max-requests-followed), and its coverage with them: at a few KB each, some tens
// of MB, whatever the length of the session.
const DefaultMaxFollowed = 10_000

// requestKey tells export requests apart across targets.
type requestKey struct {
	origin string
	id     export.ID
}

// followed is what the Auditor knows of one export request.
type followed struct {
	oracle   *oracle.Oracle
	last     []byte          // the body of its last status document
	breaches []oracle.Breach // what that one broke
}

// NewAuditor returns an Auditor that validates against v and follows every export request it
// sees.
func NewAuditor(v *openapi.Validator) *Auditor {
	return &Auditor{judger: NewJudger(v)}
}

// NewBoundedAuditor returns an Auditor that validates against v and follows at most max export
// requests at once (Follower.Max); max < 1 means no bound.
func NewBoundedAuditor(v *openapi.Validator, max int) *Auditor {
	return &Auditor{judger: NewJudger(v), follower: Follower{Max: max}}
}

// Followed returns how many export requests the auditor follows now, and how many it stopped
// following to stay within its bound (Follower.Max).
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

// Problems returns the violations of a judged exchange, one line each: the spec's, and for a
// status document the oracle's, against the earlier documents of the same request.
func (a *Auditor) Problems(ex Exchange) []string {
	id := string(ex.Asked)
	if id == "" {
		id = "-"
	}
	op := ex.Operation
	if op == "" {
		op = ex.Method
	}
	var problems []string
	if ex.Err != nil {
		problems = append(problems, fmt.Sprintf("%s %s: no answer: %v", op, id, ex.Err))
	}
	for _, v := range ex.Violations {
		where := v.Where
		if v.Pointer != "" {
			where += " " + v.Pointer
		}
		problems = append(problems, fmt.Sprintf("%s %s: spec: %s: %s", op, id, where, v.Reason))
	}
	if ex.DocErr != nil && len(ex.Violations) == 0 {
		problems = append(problems, fmt.Sprintf("%s %s: the status document cannot be read: %v", op, id, ex.DocErr))
	}
	for _, b := range a.follower.Observe(ex) {
		problems = append(problems, fmt.Sprintf("%s %s: invariant %d (%s): %s", op, id, b.Invariant, b.Name, b.Message))
	}
	for i, p := range problems {
		problems[i] = escapeControls(p)
	}
	return problems
}

// escapeControls writes the control characters of s (a newline, an escape sequence a target
// slipped into a key or a value) as Go escapes, so that a violation stays one line of a log and
// cannot forge another, nor drive a terminal.
func escapeControls(s string) string {
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

// Observe hands ex's status document, if any, to the oracle of its request and returns what it
// breaks; the breaches of a repeated document are those of the one it repeats.
func (fl *Follower) Observe(ex Exchange) []oracle.Breach {
	if ex.Doc == nil || ex.Asked == "" {
		return nil
	}
	key := requestKey{ex.Origin(), ex.Asked}
	fl.mu.Lock()
	defer fl.mu.Unlock()
	if fl.requests == nil {
		fl.requests = bounded.New[requestKey, *followed](fl.Max)
	}
	f, ok := fl.requests.Get(key)
	if !ok {
		f = &followed{oracle: oracle.New()}
		fl.requests.Put(key, f)
	}
	if f.last != nil && bytes.Equal(f.last, ex.RespBody) {
		return f.breaches
	}
	f.breaches = f.oracle.Observe(ex.Asked, oracle.Observation{Seq: ex.Seq, At: ex.At, Source: fmt.Sprintf("%s %s → %d", ex.Method, ex.URL, ex.Status), Doc: *ex.Doc, Raw: ex.RespBody})
	f.last = bytes.Clone(ex.RespBody)
	if Completed(*ex.Doc) {
		fl.requests.Done(key)
	}
	return f.breaches
}

// Followed returns how many export requests the follower follows now, and how many it stopped
// following to stay within Max.
func (fl *Follower) Followed() (followed, evicted int) {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	if fl.requests == nil {
		return 0, 0
	}
	return fl.requests.Len(), fl.requests.Evicted()
}

// Completed reports whether a status document says its request completed, by its flag or its
// progress: such a request is the first a bounded follower, or coverage, stops following.
func Completed(d export.Status) bool {
	return d.Completed || d.Progress.Terminal()
}
