package steps

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/cucumber/godog"

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

// exchangeEvidence turns an exchange into what a report shows (judge.Evidence).
func exchangeEvidence(ex judge.Exchange) evidence.Call { return judge.Evidence(ex) }

// timeline reduces every status document the scenario saw to its progress values, per request,
// in the order the requests were first seen (judge.Timeline).
func timeline(exchanges []judge.Exchange) evidence.Timeline { return judge.Timeline(exchanges) }

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
