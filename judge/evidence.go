package judge

import (
	"net/http"
	"slices"
	"strings"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/internal/credentials"
	"github.com/conform-harness/conform/internal/evidence"
)

// Evidence is what a report shows of ex: what went and came back, bodies cut to what a report
// holds (evidence.ShowBody), credential headers redacted to their scheme, and the spec's
// verdict. A run's steps and the reports of recorded traffic show an exchange alike.
func Evidence(ex Exchange) evidence.Call {
	out := evidence.Call{
		Seq:             ex.Seq,
		At:              ex.At,
		Method:          ex.Method,
		URL:             ex.URL,
		RequestHeaders:  shownHeaders(ex.ReqHeader),
		Status:          ex.Status,
		ResponseHeaders: shownHeaders(ex.RespHeader),
		Verdict:         evidence.Conforms,
	}
	var cut bool
	out.RequestBody, cut = evidence.ShowBody(ex.ReqBody)
	out.Truncated = cut
	out.ResponseBody, cut = evidence.ShowBody(ex.RespBody)
	out.Truncated = out.Truncated || cut
	for _, v := range ex.Violations {
		out.Violations = append(out.Violations, evidence.SpecViolation{
			Operation: v.Operation, Where: v.Where, Pointer: v.Pointer, Reason: v.Reason, Text: v.String(),
		})
	}
	switch {
	case ex.Err != nil:
		out.Verdict = evidence.Failed
		out.Error = ex.Err.Error()
	case len(ex.Violations) > 0:
		out.Verdict = evidence.Violates
	}
	return out
}

func shownHeaders(h http.Header) map[string][]string {
	if len(h) == 0 {
		return nil
	}
	out := make(map[string][]string, len(h))
	for k, v := range h {
		if credentials.Header(k) { // they carry credentials or sessions: never shown
			out[k] = []string{redactHeaderValue(v)}
			continue
		}
		out[k] = slices.Clone(v)
	}
	return out
}

// redactHeaderValue keeps the scheme of an Authorization value ("Basic", "Bearer"), which
// helps reading a report, and drops the rest.
func redactHeaderValue(v []string) string {
	if len(v) == 0 {
		return "[REDACTED]"
	}
	if scheme, _, ok := strings.Cut(v[0], " "); ok && len(scheme) <= 16 {
		return scheme + " [REDACTED]"
	}
	return "[REDACTED]"
}

// Timeline reduces every status document of exchanges to its progress values, per request, in
// the order the requests were first seen: the observed state timeline a report draws.
func Timeline(exchanges []Exchange) evidence.Timeline {
	var tl evidence.Timeline
	index := map[export.ID]int{}
	entry := func(id export.ID) *evidence.RequestTimeline {
		i, ok := index[id]
		if !ok {
			i = len(tl.Requests)
			index[id] = i
			tl.Requests = append(tl.Requests, evidence.RequestTimeline{ID: string(id), Observations: []evidence.Snapshot{}})
		}
		return &tl.Requests[i]
	}
	for _, ex := range exchanges {
		if ex.Status/100 != 2 || ex.Asked == "" {
			continue
		}
		if ex.Call == export.CallCancel { // a cancel that was accepted
			if rt := entry(ex.Asked); rt.CancelSentAt == nil {
				at := ex.At
				rt.CancelSentAt = &at
			}
		}
		if ex.Doc == nil {
			continue
		}
		// What the document says is scrubbed of the exchange's own credentials, which the
		// timeline's redaction (the run's) does not know.
		own := func(s string) string {
			if ex.Redact == nil || s == "" {
				return s
			}
			return string(ex.Redact([]byte(s)))
		}
		obs := evidence.Snapshot{Seq: ex.Seq, At: ex.At, Progress: own(string(ex.Doc.Progress)), Completed: ex.Doc.Completed}
		for _, it := range ex.Doc.Items() {
			obs.Items = append(obs.Items, evidence.ItemState{Name: own(it.ItemName), Progress: own(string(it.Progress))})
		}
		rt := entry(ex.Asked)
		rt.Observations = append(rt.Observations, obs)
	}
	return tl
}
