package messagefmt_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cucumber/godog"
	cmessages "github.com/cucumber/messages/go/v34"
	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/internal/messagefmt"
	"github.com/conform-harness/conform/internal/suite"
)

// fixedFormat is the formatter registered with fixedNow as its clock.
const fixedFormat = "messages-fixed-clock"

// fixedNow is the clock of fixedFormat: what it times itself (the end of the run) is at this time.
var fixedNow = time.Date(2025, 1, 2, 3, 4, 5, 600, time.UTC)

func init() {
	godog.Format(fixedFormat, "Cucumber Messages with a fixed clock, for tests",
		messagefmt.NewFunc(messagefmt.Options{Now: func() time.Time { return fixedNow }}))
}

// runFixture runs testdata/features/<name>.feature for each name, with the fixture steps,
// through the fixed-clock formatter, and returns the stream and whether godog passed the run.
func runFixture(tb testing.TB, concurrency int, names ...string) ([]byte, bool) {
	tb.Helper()
	var paths []string
	for _, n := range names {
		paths = append(paths, n+".feature")
	}
	var out bytes.Buffer
	code := godog.TestSuite{
		Name:                "fixture",
		ScenarioInitializer: fixtureSteps,
		Options: &godog.Options{
			Format:      fixedFormat,
			Output:      &out,
			NoColors:    true,
			Strict:      true,
			Concurrency: concurrency,
			FS:          os.DirFS("testdata/features"),
			Paths:       paths,
		},
	}.Run()
	require.Contains(tb, []int{0, 1}, code, "godog rejected the run:\n%s", out.String())
	return out.Bytes(), code == 0
}

// runSuite runs conform's own features against the bundled fake, writing the "messages" report
// to a file as `conform run --format messages:FILE` does, and returns the report and whether the
// run passed.
func runSuite(tb testing.TB, concurrency int) ([]byte, bool) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "report.ndjson")
	var out bytes.Buffer
	res, err := suite.Run(context.Background(), suite.Options{
		Formats:     []suite.Format{{Name: messagefmt.Name, Path: path}},
		Output:      &out,
		Concurrency: concurrency,
	})
	require.NoError(tb, err, out.String())
	b, err := os.ReadFile(path)
	require.NoError(tb, err)
	return b, res.Passed
}

// lines splits an NDJSON stream into its lines, failing on an empty line or a missing final
// newline.
func lines(tb testing.TB, stream []byte) [][]byte {
	tb.Helper()
	require.NotEmpty(tb, stream)
	require.True(tb, bytes.HasSuffix(stream, []byte("\n")), "the stream must end with a newline")
	var out [][]byte
	sc := bufio.NewScanner(bytes.NewReader(stream))
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		line := bytes.Clone(sc.Bytes())
		require.NotEmpty(tb, line, "line %d is empty", len(out)+1)
		out = append(out, line)
	}
	require.NoError(tb, sc.Err())
	return out
}

// envelopes decodes every line of stream, each of which must hold exactly one message.
func envelopes(tb testing.TB, stream []byte) []*cmessages.Envelope {
	tb.Helper()
	var out []*cmessages.Envelope
	for i, line := range lines(tb, stream) {
		var fields map[string]json.RawMessage
		require.NoError(tb, json.Unmarshal(line, &fields), "line %d", i+1)
		require.Len(tb, fields, 1, "line %d must hold one message: %s", i+1, line)
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		var e cmessages.Envelope
		require.NoError(tb, dec.Decode(&e), "line %d", i+1)
		out = append(out, &e)
	}
	return out
}
