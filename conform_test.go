package conform_test

import (
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform"
	"github.com/conform-harness/conform/fakeserver"
)

// TestRunAgainstTheBundledFake: with no BaseURL, the whole suite runs against the bundled
// fake, and passes.
func TestRunAgainstTheBundledFake(t *testing.T) {
	conform.Run(t, conform.Options{})
}

// innerEnv names the case TestInner plays, in a process of its own, for the tests below: a
// run that must fail cannot run under a t whose failure fails this package's tests.
const innerEnv = "CONFORM_TEST_INNER"

// TestInner is conform.Run as a team's test calls it, in the case innerEnv names; without it,
// it is skipped.
func TestInner(t *testing.T) {
	switch os.Getenv(innerEnv) {
	case "":
		t.Skip("run by the tests of this file, in a process of its own")
	case "defective":
		// A fake that answers a cancel of an unknown id with the wrong status, served over
		// HTTP as a real endpoint is: the live arranger, the preflight and the credentials
		// as a team's run has them.
		fake := fakeserver.New(fakeserver.Options{
			Defects:       []fakeserver.Defect{fakeserver.DefectCancelUnknownWrongStatus},
			TableDuration: 400 * time.Millisecond,
			CancelDelay:   time.Second,
			Username:      "team-user",
			Password:      "team-password",
		})
		srv := httptest.NewServer(fake)
		t.Cleanup(srv.Close)
		conform.Run(t, conform.Options{BaseURL: srv.URL, Username: "team-user", Password: "team-password", PollInterval: 20 * time.Millisecond})
	case "conforming":
		fake := fakeserver.New(fakeserver.Options{TableDuration: 400 * time.Millisecond, CancelDelay: time.Second,
			Username: "team-user", Password: "team-password"})
		srv := httptest.NewServer(fake)
		t.Cleanup(srv.Close)
		conform.Run(t, conform.Options{BaseURL: srv.URL, Username: "team-user", Password: "team-password", PollInterval: 20 * time.Millisecond})
	case "no credentials":
		conform.Run(t, conform.Options{BaseURL: "http://127.0.0.1:9"})
	case "half credentials":
		conform.Run(t, conform.Options{BaseURL: "http://127.0.0.1:9", Username: "team-user"})
	case "bad tags":
		conform.Run(t, conform.Options{Tags: "@a and"})
	case "bad tags live":
		// Nothing listens on port 9: the tags are refused before the target is reached for.
		conform.Run(t, conform.Options{BaseURL: "http://127.0.0.1:9", Username: "team-user", Password: "team-password", Tags: "@a and"})
	default:
		t.Fatalf("unknown case %q", os.Getenv(innerEnv))
	}
}

// inner runs TestInner as the case name, and returns its verbose output and whether it passed.
func inner(t *testing.T, name string) (string, bool) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestInner$", "-test.v", "-test.timeout=5m")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CONFORM_") { // the team's credentials are not this test's
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, innerEnv+"="+name)
	out, err := cmd.CombinedOutput()
	if err != nil {
		var exit *exec.ExitError
		require.ErrorAs(t, err, &exit, "%s", out)
	}
	return string(out), err == nil
}

// TestRunFailsTheScenariosADefectiveTargetFails: against a fake with a defect, the scenarios
// that catch it fail their subtests, and so the test; the others pass theirs.
func TestRunFailsTheScenariosADefectiveTargetFails(t *testing.T) {
	out, passed := inner(t, "defective")
	require.False(t, passed, out)
	failed := regexp.MustCompile(`--- FAIL: TestInner/(\S+)`).FindAllStringSubmatch(out, -1)
	var names []string
	for _, m := range failed {
		names = append(names, m[1])
	}
	require.NotEmpty(t, names, out)
	for _, n := range names {
		require.True(t, strings.HasPrefix(n, "Cancelling_an_id_that_names_no_request"), "only the scenarios the defect breaks fail, not %s:\n%s", n, out)
	}
	require.Contains(t, out, "want 404 Not Found")
	require.Contains(t, out, "--- PASS: TestInner/Checking_the_status_of_an_id_that_names_no_request")
	require.NotContains(t, out, "team-password", "the credentials stay out of the output")
}

// TestRunPassesAConformingTarget: the same run against the fake without the defect passes,
// every scenario a subtest: the failures above are the defect's.
func TestRunPassesAConformingTarget(t *testing.T) {
	out, passed := inner(t, "conforming")
	require.True(t, passed, out)
	require.Contains(t, out, "--- PASS: TestInner/Cancelling_an_id_that_names_no_request")
	require.Contains(t, out, "--- PASS: TestInner/A_running_request_is_cancelled")
	require.NotContains(t, out, "@fake-only")
}

// TestRunEndsAtOnceForOptionsThatCannotWork: what is the user's to fix ends the test with what
// to fix, before any scenario runs.
func TestRunEndsAtOnceForOptionsThatCannotWork(t *testing.T) {
	for _, tt := range []struct{ name, says string }{
		{"no credentials", "no credentials for http://127.0.0.1:9/logisticsRestApi/data/v1"},
		{"half credentials", "HTTP Basic credentials without a user name or a password"},
		{"bad tags", "--tags"},
		{"bad tags live", "--tags"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, passed := inner(t, tt.name)
			require.False(t, passed, out)
			require.Contains(t, out, "conform: ")
			require.Contains(t, out, tt.says)
			require.NotContains(t, out, "=== RUN   TestInner/", "no scenario ran")
		})
	}
}
