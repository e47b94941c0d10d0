package main

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/fakeserver"
	"github.com/conform-harness/conform/internal/coverage"
)

// notReached are the declared responses the embedded suite does not reach against a correct
// target, and why. The README's section on contract coverage says the same.
var notReached = map[string]string{
	"create 429": "a correct target answers 429 only when it holds as many running requests as it will; " +
		"the suite does not flood a target to provoke it",
}

// TestTheREADMEsMinCoverageExampleHolds runs the whole embedded suite with the README's
// --min-coverage example, read from the README so that the two cannot drift, against the
// bundled fake and against the fake over HTTP: a correct target must pass it, and every declared
// response is reached but those notReached lists.
func TestTheREADMEsMinCoverageExampleHolds(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	require.NoError(t, err)
	example := regexp.MustCompile("`--min-coverage (\\d+)`").FindSubmatch(readme)
	require.NotNil(t, example, "the README gives a --min-coverage example")
	threshold := string(example[1])
	for status := range notReached {
		call, code, _ := strings.Cut(status, " ")
		require.True(t, strings.Contains(string(readme), "the "+call+"'s `"+code+"`"), "the README says that the %s is not reached, and why", status)
	}

	for _, mode := range []string{"bundled", "live"} {
		t.Run(mode, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "coverage.json")
			args := []string{"run", "--format", "progress", "--min-coverage", threshold, "--coverage", file}
			if mode == "live" {
				// Slower than liveFake, so that a cancel finds the export still running on a
				// busy machine.
				srv := httptest.NewServer(fakeserver.New(fakeserver.Options{
					TableDuration: 300 * time.Millisecond, CancelDelay: time.Second, Username: "alice", Password: "wonderland"}))
				t.Cleanup(srv.Close)
				t.Setenv("CONFORM_USERNAME", "alice")
				t.Setenv("CONFORM_PASSWORD", "wonderland")
				args = append(append(args, "--base-url", srv.URL), fastLive...)
			}
			code, out, errOut := conform(t, args...)
			require.Equal(t, exitPass, code, "--min-coverage %s against a correct target:\nstdout:\n%s\nstderr:\n%s", threshold, out, errOut)

			b, err := os.ReadFile(file)
			require.NoError(t, err)
			var rep coverage.Report
			require.NoError(t, json.Unmarshal(b, &rep))
			min, err := strconv.ParseFloat(threshold, 64)
			require.NoError(t, err)
			require.GreaterOrEqual(t, rep.Responses.Share*100, min)
			var unseen []string
			for _, op := range rep.Responses.Operations {
				for _, r := range op.Responses {
					if r.Seen == 0 {
						unseen = append(unseen, op.Call+" "+r.Status)
					}
				}
			}
			want := make([]string, 0, len(notReached))
			for k := range notReached {
				want = append(want, k)
			}
			slices.Sort(want)
			require.Equal(t, want, unseen, "the declared responses a correct target leaves unreached")
		})
	}
}
