// Package golden compares what a test produced with a golden file, and rewrites the file when
// the test binary runs with -update. Tests of every report format use it; nothing else may.
package golden

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files from the current output")

// Assert requires got to equal the file at path, line by line so that a failure names the
// first line that changed. With -update it writes got to path first, creating directories.
func Assert(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -update to create %s", path)
	wantLines, gotLines := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	for i := range min(len(wantLines), len(gotLines)) {
		require.Equal(t, wantLines[i], gotLines[i], "%s line %d differs; run go test -update if the change is meant", path, i+1)
	}
	require.Len(t, gotLines, len(wantLines), "lines in %s; run go test -update if the change is meant", path)
}
