package report

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"

	"github.com/conform-harness/conform/internal/evidence"
	_ "github.com/conform-harness/conform/internal/messagefmt" // registers the "messages" formatter
	"github.com/conform-harness/conform/internal/suite"
	"github.com/conform-harness/conform/openapi"
)

// TestReportOfARealRun runs the whole suite against the bundled fake with the messages
// formatter and renders what it wrote: every scenario, every exchange and every timeline the
// stream holds is on the page.
func TestReportOfARealRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole suite")
	}
	path := filepath.Join(t.TempDir(), "run.ndjson")
	res, err := suite.Run(context.Background(), suite.Options{
		Formats: []suite.Format{{Name: "messages", Path: path}},
		Output:  &bytes.Buffer{},
	})
	require.NoError(t, err)
	require.True(t, res.Passed)

	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	envs, err := ReadMessages(f)
	require.NoError(t, err)
	doc, err := openapi.Load()
	require.NoError(t, err)
	out := render(t, envs, Info{Target: "bundled fake", SpecTitle: doc.Info.Title, SpecVersion: doc.Info.Version})

	// What the page must show, counted from the stream.
	exchanges, timelines := 0, map[string]bool{}
	for _, e := range envs {
		switch a := e.Attachment; {
		case a == nil:
		case a.MediaType == evidence.ExchangeMediaType:
			exchanges++
		case a.MediaType == evidence.TimelineMediaType:
			timelines[a.TestCaseStartedId] = true
		}
	}
	require.Positive(t, exchanges)
	require.NotEmpty(t, timelines)

	page := parse(t, out)
	require.Contains(t, textOf(byID(page, "summary")), "Conforms")
	require.Contains(t, textOf(byID(page, "summary")), doc.Info.Title)
	scenarios := all(page, hasClass("scenario"))
	require.Len(t, scenarios, res.Scenarios)
	for _, sc := range scenarios {
		require.Contains(t, attr(sc, "class"), "s-passed")
		require.NotEmpty(t, all(sc, hasClass("step")))
	}
	require.Len(t, all(page, func(n *html.Node) bool { return n.Data == "details" && hasClass("exchange")(n) }), exchanges)
	require.Len(t, all(page, func(n *html.Node) bool { return n.Data == "svg" && hasClass("timeline")(n) }), len(timelines))
	requireSelfContained(t, page, out)
}
