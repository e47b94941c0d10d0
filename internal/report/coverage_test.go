package report

import (
	"testing"

	"github.com/stretchr/testify/require"

	"golang.org/x/net/html"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/internal/coverage"
	"github.com/conform-harness/conform/judge"
	"github.com/conform-harness/conform/openapi"
)

func TestCoverageMatrix(t *testing.T) {
	cov := &coverage.Report{
		Responses: coverage.Responses{Declared: 3, Seen: 2, Share: 2.0 / 3, Operations: []coverage.Operation{
			{Call: "status", Method: "GET", Path: "/exportStatuses/{requestID}", OperationID: "getExportStatus",
				Responses:  []coverage.Response{{Status: "200", Seen: 5}, {Status: "404"}, {Status: "4XX", Seen: 2, Codes: []int{409, 418}}},
				Undeclared: []coverage.Response{{Status: "503", Seen: 1}}},
		}},
		RequestTransitions: []coverage.Transition{{From: "pending", To: "processing", Seen: 3}, {From: "processing", To: "failed"}},
		Skipped: []coverage.Transition{{Of: "item", From: "pending", To: "succeeded", Through: []export.Progress{export.Processing}, Seen: 1},
			{Of: "request", From: "pending", To: "cancelled", Through: []export.Progress{export.Processing, export.Cancelling}, Seen: 2}},
		Unmodelled: []coverage.Transition{{Of: "request", From: "cancelling", To: "succeeded", Seen: 3}},
		Invariants: []coverage.Invariant{{Number: 1, Name: "valid-progress", Documents: 7}, {Number: 2, Name: "completed-is-final"}},
	}
	info := sampleInfo
	info.Coverage = cov
	doc := parse(t, render(t, sampleStream(t), info))

	require.Contains(t, squash(textOf(byID(doc, "summary"))), cov.Headline(), "the summary states the headline")
	section := byID(doc, "coverage")
	require.NotNil(t, section)
	text := squash(textOf(section))
	for _, want := range []string{
		"GET /exportStatuses/{requestID} (getExportStatus)",
		"200 ✓5", "404 ·", "4XX ✓2", "503 undeclared ×1",
		"requestpending → processing✓ 3", "requestprocessing → failed·", // cells run together in the text
		"itempending → succeeded (through processing, not seen)1",
		"requestpending → cancelled (through processing → cancelling, not seen)2",
		"requestcancelling → succeeded (not a move of the machine)3",
		"1 valid-progress7", "2 completed-is-final· no evidence",
	} {
		require.Contains(t, text, want)
	}
	require.NotContains(t, text, "pending → succeeded (not a move of the machine)", "a skipped state is no impossible move")
	rng := first(section, func(n *html.Node) bool { return attr(n, "title") == "seen 2 time(s): 409, 418" })
	require.NotNil(t, rng, "a range says which statuses it collected")

	require.Nil(t, byID(parse(t, render(t, sampleStream(t), sampleInfo)), "coverage"), "no coverage, no section")
}

// TestCoverageMatrixFromTraffic: polls that saw a request go from pending to succeeded (processing
// came and went between two of them) show that move with the state it skipped, not as a move the
// machine does not have; a move out of cancelling to succeeded still is one.
func TestCoverageMatrixFromTraffic(t *testing.T) {
	spec, err := openapi.Load()
	require.NoError(t, err)
	c := coverage.New(spec)
	doc := func(id export.ID, p export.Progress) *export.Status {
		d := &export.Status{Progress: p, Completed: p.Terminal(), Result: &export.Result{}}
		d.Result.Body.RequestID = id
		return d
	}
	for _, step := range []struct {
		id export.ID
		p  export.Progress
	}{{"1", export.Pending}, {"1", export.Succeeded}, {"2", export.Cancelling}, {"2", export.Succeeded}} {
		c.Add("", judge.Exchange{Call: export.CallStatus, Status: 200, Asked: step.id, Doc: doc(step.id, step.p)})
	}
	cov := c.Report()
	info := sampleInfo
	info.Coverage = &cov
	text := squash(textOf(byID(parse(t, render(t, sampleStream(t), info)), "coverage")))
	require.Contains(t, text, "requestpending → succeeded (through processing, not seen)1")
	require.NotContains(t, text, "pending → succeeded (not a move of the machine)")
	require.Contains(t, text, "requestcancelling → succeeded (not a move of the machine)1")
}
