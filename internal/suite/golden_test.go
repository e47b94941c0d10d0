package suite

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/internal/golden"
)

// normalisers take out of a report what changes from run to run: durations and wall-clock
// times. Everything else of a bundled run is deterministic (the fake runs on a manual clock).
var normalisers = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`(?m)^\d+(\.\d+)?(ns|µs|ms|s|m\d+(\.\d+)?s)$`), "DURATION"},              // pretty/progress summary
	{regexp.MustCompile(`time="[0-9.]+"`), `time="0"`},                                           // junit
	{regexp.MustCompile(`"duration": \d+`), `"duration": 0`},                                     // cucumber
	{regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)`), "TIMESTAMP"}, // any wall-clock time
}

func normalise(b []byte) []byte {
	for _, n := range normalisers {
		b = n.re.ReplaceAll(b, []byte(n.with))
	}
	return b
}

// TestGoldenReports runs the bundled suite once with every console and file format and
// compares each output, normalised, with its golden file. Rewrite them with -update after a
// deliberate change, and read the diff.
func TestGoldenReports(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"junit.xml":     filepath.Join(dir, "junit.xml"),
		"cucumber.json": filepath.Join(dir, "cucumber.json"),
		"progress.txt":  filepath.Join(dir, "progress.txt"),
	}
	var console bytes.Buffer
	res, err := Run(context.Background(), Options{
		Formats: []Format{
			{Name: "pretty"},
			{Name: "junit", Path: files["junit.xml"]},
			{Name: "cucumber", Path: files["cucumber.json"]},
			{Name: "progress", Path: files["progress.txt"]},
		},
		Output: &console,
	})
	require.NoError(t, err)
	require.True(t, res.Passed, console.String())

	outputs := map[string][]byte{"pretty.txt": console.Bytes()}
	for name, path := range files {
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		outputs[name] = b
	}
	for name, got := range outputs {
		t.Run(name, func(t *testing.T) {
			got = normalise(got)
			golden.Assert(t, filepath.Join("testdata", "golden", name), got)
		})
	}
}
