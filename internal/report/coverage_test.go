package report

import (
	"testing"

	"github.com/stretchr/testify/require"

	"conform/internal/coverage"
	"golang.org/x/net/html"
)

func TestCoverageMatrix(t *testing.T) {
	cov := &coverage.Report{
		Responses: coverage.Responses{Declared: 3, Seen: 2, Share: 2.0 / 3, Operations: []coverage.Operation{
			{Call: "status", Method: "GET", Path: "/exportStatuses/{requestID}", OperationID: "getExportStatus",
				Responses:  []coverage.Response{{Status: "200", Seen: 5}, {Status: "404"}, {Status: "4XX", Seen: 2, Codes: []int{409, 418}}},
				Undeclared: []coverage.Response{{Status: "503", Seen: 1}}},
		}},
		RequestTransitions: []coverage.Transition{{From: "pending", To: "processing", Seen: 3}, {From: "processing", To: "failed"}},
		Unmodelled:         []coverage.Transition{{Of: "item", From: "pending", To: "succeeded", Seen: 1}},
		Invariants:         []coverage.Invariant{{Number: 1, Name: "valid-progress", Documents: 7}, {Number: 2, Name: "completed-is-final"}},
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
		"itempending → succeeded (not a move of the machine)1",
		"1 valid-progress7", "2 completed-is-final· no evidence",
	} {
		require.Contains(t, text, want)
	}
	rng := first(section, func(n *html.Node) bool { return attr(n, "title") == "seen 2 time(s): 409, 418" })
	require.NotNil(t, rng, "a range says which statuses it collected")

	require.Nil(t, byID(parse(t, render(t, sampleStream(t), sampleInfo)), "coverage"), "no coverage, no section")
}
