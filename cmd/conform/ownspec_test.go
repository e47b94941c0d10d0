package main

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
)

// failedScenarios returns the names of the scenarios a JUnit report shows failed.
func failedScenarios(t *testing.T, junit string) []string {
	t.Helper()
	b, err := os.ReadFile(junit)
	require.NoError(t, err)
	var out []string
	for _, m := range regexp.MustCompile(`<testcase name="([^"]*)" status="failed"`).FindAllStringSubmatch(string(b), -1) {
		out = append(out, m[1])
	}
	return out
}

// TestRunWithTheVendorsSpec runs the bundled suite against the vendor's own spec (vendorSpec, a
// model of release 26b from the facts in the team's notes), then with the overlay that adapts it
// to the use-case page (useCaseOverlay): which scenarios fail, and why.
func TestRunWithTheVendorsSpec(t *testing.T) {
	junit := filepath.Join(t.TempDir(), "junit.xml")

	// The vendor's document alone: it declares ids as strings and dates as dateTimeType
	// objects, where the fake (as the use-case page's example) writes numbers and strings; so
	// every scenario that reads a status document fails on the spec. Those that only meet
	// errors (unknown ids, 401) pass.
	code, out, errOut := conform(t, "run", "--format", "progress", "--format", "junit:"+junit, "--spec", vendorSpec)
	require.Equal(t, exitFail, code, errOut)
	require.Contains(t, out, "16 scenarios (6 passed, 10 failed)")
	require.Contains(t, out, "/result/body/requestID: response body doesn't match schema #/components/schemas/exportStatuses-item: value must be a string")
	require.Contains(t, out, "/result/body/submitDate: response body doesn't match schema #/components/schemas/exportStatuses-item: value must be an object")
	failed := failedScenarios(t, junit)
	require.Len(t, failed, 10)
	require.Contains(t, failed, "A running request is cancelled")
	require.NotContains(t, failed, "Checking the status of an id that names no request")

	// With the overlay: the cancel's 200 and 400 declared, numeric ids and plain date strings
	// accepted. Everything passes.
	code, out, errOut = conform(t, "run", "--format", "progress", "--format", "junit:"+junit, "--spec", vendorSpec, "--overlay", useCaseOverlay)
	require.Equal(t, exitPass, code, "%s\n%s", out, errOut)
	require.Contains(t, out, "16 scenarios (16 passed)")
	require.Empty(t, failedScenarios(t, junit))

	// A spec that does not load is a usage error naming the file.
	broken := filepath.Join(t.TempDir(), "broken.yaml")
	require.NoError(t, os.WriteFile(broken, []byte("openapi: 3.0.3\ninfo: [\n"), 0o644))
	code, _, errOut = conform(t, "run", "--spec", broken)
	require.Equal(t, exitUsage, code)
	require.Contains(t, errOut, "broken.yaml:3: invalid YAML")
}
