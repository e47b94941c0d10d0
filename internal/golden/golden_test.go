package golden

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// recorder is a testing.TB that records a failure instead of ending the test.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Errorf(string, ...any) { r.failed = true }
func (r *recorder) FailNow()              { r.failed = true; panic(r) }
func (r *recorder) Helper()               {}

func fails(t *testing.T, path string, got []byte) (failed bool) {
	r := &recorder{TB: t}
	defer func() {
		if p := recover(); p != nil && p != r {
			panic(p)
		}
		failed = r.failed
	}()
	Assert(r, path, got)
	return r.failed
}

func TestAssert(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.txt")
	require.NoError(t, os.WriteFile(path, []byte("one\ntwo\n"), 0o644))
	require.False(t, fails(t, path, []byte("one\ntwo\n")))
	require.True(t, fails(t, path, []byte("one\nTWO\n")), "a changed line")
	require.True(t, fails(t, path, []byte("one\ntwo\nthree\n")), "an added line")
	require.True(t, fails(t, path, []byte("one\n")), "a missing line")
	require.True(t, fails(t, filepath.Join(t.TempDir(), "missing.txt"), []byte("x")), "no golden file")
}
