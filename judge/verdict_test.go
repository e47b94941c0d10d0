package judge

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/openapi"
	"github.com/conform-harness/conform/oracle"
)

// One problem of each kind, in the three forms: a line (conform load), a log line (conform
// proxy, conform audit) and a step's error (a run, the reports of proxy and audit).
func TestOneVerdictInThreeForms(t *testing.T) {
	ex := Exchange{Method: http.MethodGet, URL: auditRoot + "/exportStatuses/7", Status: 200, Operation: "getExportStatus", Asked: "7"}
	violation := openapi.Violation{Operation: "getExportStatus", Method: http.MethodGet, Path: "/logisticsRestApi/data/v1/exportStatuses/7",
		Status: 200, Where: "response", Pointer: "/x\nforged", Reason: "value is not one of the allowed values\x1b[31m"}
	breach := oracle.Breach{Invariant: 4, Name: "settled-item-is-final", Message: "item 1 (SHIPMENT) was \"succeeded\" but changed",
		Current: oracle.Observation{Seq: 2, Source: "GET /x → 200", Raw: []byte(`{}`)}}
	for _, c := range []struct {
		name                string
		p                   Problem
		line, logLine, step string
	}{
		{"no answer", Problem{NoAnswer: errors.New("connection reset")},
			"no answer: connection reset",
			"getExportStatus 7: no answer: connection reset",
			"GET " + auditRoot + "/exportStatuses/7: no answer: connection reset"},
		{"spec", Problem{Violation: &violation},
			`spec: response /x\nforged: value is not one of the allowed values\x1b[31m`,
			`getExportStatus 7: spec: response /x\nforged: value is not one of the allowed values\x1b[31m`,
			"the answer breaks the spec: getExportStatus GET /logisticsRestApi/data/v1/exportStatuses/7 → 200: response /x\nforged: value is not one of the allowed values\x1b[31m"},
		{"unreadable", Problem{Unreadable: errors.New("progress: not a string")},
			"the status document cannot be read: progress: not a string",
			"getExportStatus 7: the status document cannot be read: progress: not a string",
			"GET " + auditRoot + "/exportStatuses/7 → 200: the status document cannot be read: progress: not a string"},
		{"breach", Problem{Breach: &breach},
			`invariant 4 (settled-item-is-final): item 1 (SHIPMENT) was "succeeded" but changed`,
			`getExportStatus 7: invariant 4 (settled-item-is-final): item 1 (SHIPMENT) was "succeeded" but changed`,
			breach.Error()},
	} {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.line, c.p.Line())
			require.Equal(t, c.logLine, c.p.LogLine(ex))
			require.Equal(t, c.step, c.p.StepError(ex), "a step's error keeps its lines")
		})
	}
	unmatched := Exchange{Method: http.MethodOptions, URL: auditRoot + "/exportRequests?x=1"}
	require.Equal(t, "OPTIONS /logisticsRestApi/data/v1/exportRequests -: no answer: eof",
		Problem{NoAnswer: errors.New("eof")}.LogLine(unmatched), "no operation: the method and the path; no request: -")
}

// ProblemsOf names the problems in one order, and a document that cannot be read only when no
// violation of the spec already says why.
func TestProblemsOfAnExchange(t *testing.T) {
	v := openapi.Violation{Where: "response", Reason: "bad"}
	b := oracle.Breach{Invariant: 1}
	kinds := func(ps []Problem) (out []string) {
		for _, p := range ps {
			switch {
			case p.NoAnswer != nil:
				out = append(out, "no answer")
			case p.Violation != nil:
				out = append(out, "spec")
			case p.Unreadable != nil:
				out = append(out, "unreadable")
			case p.Breach != nil:
				out = append(out, "breach")
			}
		}
		return out
	}
	require.Equal(t, []string{"no answer", "spec", "breach"},
		kinds(ProblemsOf(Exchange{Err: errors.New("x"), Violations: []openapi.Violation{v}, DocErr: errors.New("y")}, []oracle.Breach{b})))
	require.Equal(t, []string{"unreadable"}, kinds(ProblemsOf(Exchange{DocErr: errors.New("y")}, nil)))
	require.Empty(t, ProblemsOf(Exchange{}, nil))
}

// The history a Tracker keeps of a request is what coverage reads: the first document, the one
// before, the evidence; repeats are not judged again; an unjudged Tracker keeps no oracle.
func TestATrackerKeepsOneHistoryPerRequest(t *testing.T) {
	v := newValidator(t)
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	var watched []Seen
	tr := NewTracker(TrackerOptions{Watch: func(_ Exchange, s Seen) { watched = append(watched, s) }})
	poll := func(tr *Tracker, scope string, id int, progress, shipment string) Seen {
		return tr.Observe(scope, Judge(v, statusRequest(t, id), nil, 200, jsonHeader, statusBody(id, progress, shipment), at))
	}
	first := poll(tr, "a", 7, "processing", "succeeded")
	require.True(t, first.First)
	require.Nil(t, first.Previous)
	require.Empty(t, first.Breaches)
	require.Contains(t, first.Evidence, oracle.InvariantRequestIDMatches)

	broken := poll(tr, "a", 7, "processing", "processing")
	require.False(t, broken.First)
	require.NotNil(t, broken.Previous)
	require.Equal(t, export.Succeeded, broken.Previous.Items()[0].Progress, "the document before")
	require.Len(t, broken.Breaches, 1)
	require.Equal(t, oracle.InvariantSettledItemIsFinal, broken.Breaches[0].Invariant)
	require.Contains(t, broken.Evidence, oracle.InvariantSettledItemIsFinal)

	again := poll(tr, "a", 7, "processing", "processing")
	require.Equal(t, broken.Breaches, again.Breaches, "a repeat breaks what it broke")
	require.True(t, poll(tr, "b", 7, "processing", "processing").First, "another scope, another request")
	require.Len(t, watched, 4, "the watcher is told every document")

	require.Empty(t, tr.Observe("a", Exchange{Asked: "7", Status: 404}), "no document, no history")
	followed, _ := tr.Followed()
	require.Equal(t, 2, followed)

	unjudged := NewTracker(TrackerOptions{Unjudged: true})
	poll(unjudged, "", 7, "processing", "succeeded")
	s := poll(unjudged, "", 7, "processing", "processing")
	require.Empty(t, s.Breaches, "an unjudged Tracker keeps no oracle")
	require.NotNil(t, s.Previous, "but the last document")
}
