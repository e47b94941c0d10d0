package steps

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/cucumber/godog"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/internal/credentials"
	"github.com/conform-harness/conform/internal/evidence"
	"github.com/conform-harness/conform/judge"
)

// attachExchanges attaches exchanges to ctx, in order, each redacted by redact (may be nil).
func attachExchanges(ctx context.Context, exchanges []judge.Exchange, redact func([]byte) []byte) context.Context {
	for _, ex := range exchanges {
		body, err := json.Marshal(exchangeEvidence(ex))
		if err != nil {
			continue // every field is a plain value; cannot happen
		}
		ctx = godog.Attach(ctx, godog.Attachment{
			Body:      redacted(body, redact),
			FileName:  fmt.Sprintf("exchange-%03d.json", ex.Seq),
			MediaType: evidence.ExchangeMediaType,
		})
	}
	return ctx
}

// exchangeEvidence turns an exchange into what a report shows.
func exchangeEvidence(ex judge.Exchange) evidence.Call {
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

// timeline reduces every status document the scenario saw to its progress values, per request,
// in the order the requests were first seen.
func timeline(exchanges []judge.Exchange) evidence.Timeline {
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

// attachBreaches attaches each invariant breach, redacted by redact (may be nil).
func attachBreaches(ctx context.Context, breaches []evidence.Breach, redact func([]byte) []byte) context.Context {
	for i, b := range breaches {
		body, err := json.Marshal(b)
		if err != nil {
			continue // every field is a plain value; cannot happen
		}
		ctx = godog.Attach(ctx, godog.Attachment{
			Body:      redacted(body, redact),
			FileName:  fmt.Sprintf("breach-%d-invariant-%d.json", i+1, b.Invariant),
			MediaType: evidence.BreachMediaType,
		})
	}
	return ctx
}

// attachTimeline attaches the scenario's timeline, if it saw any status document.
func attachTimeline(ctx context.Context, exchanges []judge.Exchange, redact func([]byte) []byte) context.Context {
	tl := timeline(exchanges)
	if len(tl.Requests) == 0 {
		return ctx
	}
	body, err := json.Marshal(tl)
	if err != nil {
		return ctx
	}
	return godog.Attach(ctx, godog.Attachment{Body: redacted(body, redact), FileName: "timeline.json", MediaType: evidence.TimelineMediaType})
}

func redacted(b []byte, redact func([]byte) []byte) []byte {
	if redact == nil {
		return b
	}
	return redact(b)
}

// attachSkip, after a step that was skipped because the target could not be brought to its
// precondition (err is a *Skipped), attaches the reason (evidence.SkipMediaType), so that the
// Cucumber JSON, the Cucumber Messages and the HTML report carry it, and notes it for the
// console. err is the step's error as godog has it: already redacted. Any other step is left
// as it is.
func (w *World) attachSkip(ctx context.Context, st *godog.Step, err error) context.Context {
	reason, ok := SkipReason(err)
	if !ok {
		return ctx
	}
	w.note("skipped: " + reason)
	body, jerr := json.Marshal(evidence.Skip{Step: st.Text, Reason: reason})
	if jerr != nil {
		return ctx // two strings; cannot happen
	}
	return godog.Attach(ctx, godog.Attachment{Body: redacted(body, w.cfg.Redact), FileName: "skipped.json", MediaType: evidence.SkipMediaType})
}
