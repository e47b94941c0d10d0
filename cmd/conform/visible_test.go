package main

import (
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/steps"
)

// TestVisibleWithinIsAContractKey: contract.visible_within, how long a request just created
// may answer 404, is read from the file and the flag, validated like the other durations,
// printed by --print-config and said among the deadlines in force.
func TestVisibleWithinIsAContractKey(t *testing.T) {
	rf, _, err := parseRunFlags(nil, noEnv, files(nil), io.Discard)
	require.NoError(t, err)
	require.Equal(t, steps.DefaultVisibleWithin, rf.contract.visibleWithin)
	require.Equal(t, 5*time.Second, steps.DefaultVisibleWithin)

	team := "contract:\n  visible_within: 12s\n"
	rf, _, err = parseRunFlags([]string{"--config", "team.yaml"}, noEnv, files(map[string]string{"team.yaml": team}), io.Discard)
	require.NoError(t, err)
	require.Equal(t, 12*time.Second, rf.contract.visibleWithin)
	require.Equal(t, "team.yaml:2", rf.sources["visible-within"])

	rf, _, err = parseRunFlags([]string{"--config", "team.yaml", "--visible-within", "3s"}, noEnv, files(map[string]string{"team.yaml": team}), io.Discard)
	require.NoError(t, err)
	require.Equal(t, 3*time.Second, rf.contract.visibleWithin)

	for _, bad := range []string{"0", "-1s"} {
		_, _, err = parseRunFlags([]string{"--visible-within", bad}, noEnv, files(nil), io.Discard)
		require.ErrorContains(t, err, "--visible-within must be positive")
	}
	_, _, err = parseRunFlags([]string{"--config", "team.yaml"}, noEnv, files(map[string]string{"team.yaml": "contract:\n  visible_within: 0s\n"}), io.Discard)
	require.ErrorContains(t, err, "must be positive")

	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("CONFORM_BASE_URL", "")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "conform.yaml"), []byte("tags: \"@fake-only\"\n"+team), 0o644))
	code, out, errOut := conform(t, "run", "--print-config")
	require.Equal(t, exitPass, code, errOut)
	require.Regexp(t, `(?m)^  visible_within: 12s +# conform\.yaml:3$`, out)

	code, _, errOut = conform(t, "run", "--format", "progress")
	require.Equal(t, exitPass, code, errOut)
	require.Contains(t, errOut, "a created request answers its status within 12s (contract.visible_within)")
}
