// Package drift compares how an export API behaved in two recordings of its traffic (conform
// diff): a baseline, and the traffic of the vendor's new release. It reports what changed even
// where the contract allows both: fields that appeared or disappeared, values written in
// another form (an id as a string, a date without its seconds), media types and header names,
// the statuses each call answered, the progress paths each request took, the wording of error
// documents, and how long cancellations and exports took.
//
// A Profile is what one recording showed, built from its judged exchanges (judge.Exchange, as
// conform audit judges a HAR file: the spec's verdict and the body decoded once by export) and
// the oracle's breaches; Compare sets two profiles side by side. Everything a Profile keeps is
// bounded, whatever the recording holds.
package drift

import (
	"maps"
	"mime"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/internal/har"
	"github.com/conform-harness/conform/internal/mediatype"
	"github.com/conform-harness/conform/judge"
	"github.com/conform-harness/conform/oracle"
)

// Bounds of a Profile: what one recording can make it keep, whatever its size.
const (
	// MaxPaths is the number of distinct field paths kept per call and kind of document.
	MaxPaths = 1024
	// MaxValues is the number of distinct values kept of each other kind per call: statuses,
	// media types, header names, error texts, violations; and of progress paths.
	MaxValues = 256
	// MaxRequests is the number of export requests followed for progress paths and timings.
	MaxRequests = 100_000
	// MaxSamples is the number of durations kept per timing.
	MaxSamples = 100_000
	// maxForms bounds the forms kept per field path.
	maxForms = 16
	// maxSteps bounds the progress values kept of one request's path.
	maxSteps = 16
	// maxText bounds a kept text (an error message, a header name, a path), in bytes.
	maxText = 200
)

// Calls are the calls a Profile groups what it saw by, in the order reports list them.
var calls = [...]export.Call{export.CallCreate, export.CallStatus, export.CallCancel}

// Document kinds, by which the fields of a call's answers are kept apart.
const (
	statusDocument = "status document"
	errorDocument  = "error document"
)

// Profile is what one recording showed of the export API. Its zero value is not ready: use
// NewProfile. It is not safe for concurrent use; Add the exchanges in the order they happened.
type Profile struct {
	// Name names the recording in reports (its file name).
	Name string
	// Exchanges counts the exchanges added, Outside those that were no call of the API.
	Exchanges, Outside int

	calls    map[export.Call]*callProfile
	requests map[requestKey]*lifecycle
	order    []requestKey // requests in the order they were first seen
	dropped  int          // exchanges of requests not followed (over MaxRequests)
	settle   samples
	finish   samples
}

// callProfile is what one call answered.
type callProfile struct {
	statuses   counter
	mediaTypes counter
	headers    counter
	errors     counter
	problems   counter
	docs       map[string]int                // by document kind
	fields     map[string]map[string]counter // document kind → path → forms
	lostPaths  int                           // paths not kept (over MaxPaths)
}

// counter counts distinct values, at most MaxValues (or its own bound) of them; lost counts the
// values not kept.
type counter struct {
	n    map[string]int
	lost int
}

func (c *counter) add(v string, bound int) {
	if c.n == nil {
		c.n = map[string]int{}
	}
	if _, ok := c.n[v]; !ok && len(c.n) >= bound {
		c.lost++
		return
	}
	c.n[v]++
}

type requestKey struct {
	origin string
	id     export.ID
}

// lifecycle is what one export request showed across its exchanges.
type lifecycle struct {
	path      []export.Progress
	longer    bool // the path had more than maxSteps values
	created   time.Time
	cancelled time.Time // the first accepted cancel
	settled   bool
	finished  bool
}

// samples are durations of one kind, at most MaxSamples of them.
type samples struct {
	d    []time.Duration
	lost int
}

func (s *samples) add(d time.Duration) {
	if len(s.d) >= MaxSamples {
		s.lost++
		return
	}
	s.d = append(s.d, max(d, 0))
}

// NewProfile returns an empty profile of the recording called name.
func NewProfile(name string) *Profile {
	p := &Profile{Name: name, calls: map[export.Call]*callProfile{}, requests: map[requestKey]*lifecycle{}}
	for _, c := range calls {
		p.calls[c] = &callProfile{docs: map[string]int{}, fields: map[string]map[string]counter{}}
	}
	return p
}

// Add takes one judged exchange with the oracle's breaches of it (judge.Tracker.Observe). An
// exchange without an answer, or that is no call of the API, is counted and not kept.
func (p *Profile) Add(ex judge.Exchange, breaches []oracle.Breach) {
	p.Exchanges++
	cp, ok := p.calls[ex.Call]
	if !ok || ex.Status == 0 {
		p.Outside++
		return
	}
	red := ex.Redact
	if red == nil {
		red = func(b []byte) []byte { return b }
	}
	text := func(s string) string { return clip(string(red([]byte(s)))) }

	cp.statuses.add(strconv.Itoa(ex.Status), MaxValues)
	ct := ex.RespHeader.Get("Content-Type")
	if ct != "" || len(ex.RespBody) > 0 {
		cp.mediaTypes.add(text(mediaTypeOf(ct)), MaxValues)
	}
	for name := range ex.RespHeader {
		// Names only: no value is ever read. A credential header (har's one list) says so, for a
		// reader who wonders whether the report holds its value.
		name = clip(http.CanonicalHeaderKey(name))
		if har.CredentialHeader(name) {
			name += " (credential: value never shown)"
		}
		cp.headers.add(name, MaxValues)
	}

	kind := ""
	switch {
	case ex.Status/100 == 2 && len(ex.RespBody) > 0:
		kind = statusDocument
	case ex.Status >= 400 && len(ex.RespBody) > 0:
		kind = errorDocument
	}
	if kind != "" {
		cp.docs[kind]++
		if mediatype.IsJSON(ct) || (ct == "" && looksJSON(ex.RespBody)) {
			fields := cp.fields[kind]
			if fields == nil {
				fields = map[string]counter{}
				cp.fields[kind] = fields
			}
			walk(ex.RespBody, func(path, form string) {
				path = text(path)
				c, ok := fields[path]
				if !ok && len(fields) >= MaxPaths {
					cp.lostPaths++
					return
				}
				c.add(form, maxForms)
				fields[path] = c
			})
		}
	}
	if ex.ErrorDoc != nil {
		for _, w := range wording(*ex.ErrorDoc) {
			cp.errors.add(strconv.Itoa(ex.Status)+" "+w.field+": "+text(normalise(w.text, ex.Asked)), MaxValues)
		}
	}
	op := ex.Operation
	if op == "" {
		op = ex.Method
	}
	for _, v := range ex.Violations {
		where := v.Where
		if v.Pointer != "" {
			where += " " + collapse(v.Pointer)
		}
		cp.problems.add(text(op+": spec: "+where+": "+withoutValue(v.Reason)), MaxValues)
	}
	if ex.DocErr != nil && len(ex.Violations) == 0 {
		cp.problems.add(op+": the status document cannot be read", MaxValues)
	}
	for _, b := range breaches {
		cp.problems.add(op+": invariant "+strconv.Itoa(b.Invariant)+" ("+b.Name+")", MaxValues)
	}
	p.follow(ex)
}

// follow adds ex to the lifecycle of its export request: its progress path, and the moments
// the timings run between.
func (p *Profile) follow(ex judge.Exchange) {
	if ex.Asked == "" {
		return
	}
	key := requestKey{ex.Origin(), ex.Asked}
	lc, ok := p.requests[key]
	if !ok {
		if len(p.requests) >= MaxRequests {
			p.dropped++
			return
		}
		lc = &lifecycle{}
		p.requests[key] = lc
		p.order = append(p.order, key)
	}
	accepted := ex.Status/100 == 2
	switch {
	case ex.Call == export.CallCreate && accepted && lc.created.IsZero():
		lc.created = ex.At
	case ex.Call == export.CallCancel && accepted && lc.cancelled.IsZero() && !lc.finished:
		lc.cancelled = ex.At
	}
	if ex.Doc == nil {
		return
	}
	progress := ex.Doc.Progress
	if n := len(lc.path); n == 0 || lc.path[n-1] != progress {
		if n < maxSteps {
			lc.path = append(lc.path, progress)
		} else {
			lc.longer = true
		}
	}
	if progress == export.Cancelled && !lc.cancelled.IsZero() && !lc.settled {
		lc.settled = true
		p.settle.add(ex.At.Sub(lc.cancelled))
	}
	if judge.Completed(*ex.Doc) && !lc.finished {
		lc.finished = true
		// An export's finish time is that of an export left to run: a cancelled one's end is
		// the cancel's, which the settle time measures.
		if !lc.created.IsZero() && lc.cancelled.IsZero() {
			p.finish.add(ex.At.Sub(lc.created))
		}
	}
}

// paths returns how many requests took each progress path, e.g. "pending → processing →
// succeeded".
func (p *Profile) paths() counter {
	var c counter
	for _, key := range p.order {
		lc := p.requests[key]
		if len(lc.path) == 0 {
			continue
		}
		parts := make([]string, len(lc.path))
		for i, pr := range lc.path {
			parts[i] = clip(string(pr))
		}
		s := strings.Join(parts, " → ")
		if lc.longer {
			s += " → …"
		}
		c.add(s, MaxValues)
	}
	return c
}

// mediaTypeOf is a Content-Type's media type, lower-cased with its parameters in a fixed order
// (but for charset, which says nothing of the document), or "(none)".
func mediaTypeOf(ct string) string {
	if strings.TrimSpace(ct) == "" {
		return "(none)"
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return strings.ToLower(strings.TrimSpace(ct))
	}
	delete(params, "charset")
	if len(params) == 0 {
		return mt
	}
	var b strings.Builder
	b.WriteString(mt)
	for _, k := range slices.Sorted(maps.Keys(params)) {
		b.WriteString("; " + k + "=" + params[k])
	}
	return b.String()
}

// wordingField is one text of an error document that says what went wrong.
type wordingField struct{ field, text string }

// wording returns the texts of an error document that people and programs read: its title,
// detail, codes and the details of o:errorDetails, as export decoded them.
func wording(e export.Error) []wordingField {
	var out []wordingField
	add := func(field, text string) {
		if strings.TrimSpace(text) != "" {
			out = append(out, wordingField{field, text})
		}
	}
	add("title", e.Title)
	add("detail", e.Detail)
	add("o:errorCode", e.ErrorCode)
	for _, d := range e.ErrorDetails {
		add("o:errorDetails detail", d.Detail)
		add("o:errorDetails o:errorCode", d.ErrorCode)
	}
	return out
}

var longNumber = regexp.MustCompile(`[0-9]{4,}`)

// normalise writes the request id an error text names, and any long number, as a placeholder,
// so that two recordings of other requests word the same error the same.
func normalise(text string, id export.ID) string {
	if id != "" {
		text = strings.ReplaceAll(text, string(id), "{id}")
	}
	return longNumber.ReplaceAllString(text, "{n}")
}

var index = regexp.MustCompile(`/[0-9]+(/|$)`)

// collapse writes a JSON pointer's array indexes as "*": /items/3/parts → /items/*/parts.
func collapse(pointer string) string {
	for {
		next := index.ReplaceAllString(pointer, "/*$1")
		if next == pointer {
			return pointer
		}
		pointer = next
	}
}

// withoutValue is a violation's reason without the value the target sent, which differs from
// one exchange to the next: `value must be a boolean (got "true")` → `value must be a boolean`.
func withoutValue(reason string) string {
	if i := strings.LastIndex(reason, " (got "); i >= 0 && strings.HasSuffix(reason, ")") {
		return reason[:i]
	}
	return reason
}

// clip bounds a kept text at maxText bytes, cut on a rune boundary.
func clip(s string) string {
	if len(s) <= maxText {
		return s
	}
	cut := maxText
	for cut > 0 && !utf8RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
