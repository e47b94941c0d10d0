package main

import (
	"bytes"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// files is a readFile over a map: the configuration files a test offers.
func files(m map[string]string) func(string) ([]byte, error) {
	return func(path string) ([]byte, error) {
		if s, ok := m[path]; ok {
			return []byte(s), nil
		}
		return nil, &fs.PathError{Op: "open", Path: path, Err: fs.ErrNotExist}
	}
}

func noEnv(string) string { return "" }

const sampleConfig = `# conform.yaml of a team whose tenant answers 204 to a cancel
base_url: https://vendor.example.com
tags: not @needs-slow-cancel
formats: [progress, "junit:reports/junit.xml"]
poll_interval: 5s
concurrency: 4
contract:
  cancel_accepted: [200, 204]
  cancel_settles_within: 2m
  export_finishes_within: 30m
`

func TestConfigFileSetsEveryKey(t *testing.T) {
	rf, _, err := parseRunFlags([]string{"--config", "team.yaml"}, noEnv, files(map[string]string{"team.yaml": sampleConfig}), io.Discard)
	require.NoError(t, err)
	require.Equal(t, "https://vendor.example.com", rf.live.baseURL)
	require.Equal(t, "not @needs-slow-cancel", rf.tags)
	require.Len(t, rf.formats, 2)
	require.Equal(t, "reports/junit.xml", rf.formats[1].Path)
	require.Equal(t, 5*time.Second, rf.live.pollInterval)
	require.Equal(t, 4, rf.concurrency)
	require.Equal(t, []int{200, 204}, rf.contract.cancelAccepted.statuses)
	require.Equal(t, 2*time.Minute, rf.contract.cancelSettlesWithin)
	require.Equal(t, 30*time.Minute, rf.contract.exportFinishesWithin)
	require.Equal(t, "team.yaml:8", rf.sources["cancel-accepted"])
	require.Equal(t, "team.yaml:2", rf.sources["base-url"])
}

func TestFlagsOverrideTheFile(t *testing.T) {
	args := []string{"--config", "team.yaml", "--poll-interval", "1s", "--format", "pretty", "--cancel-accepted", "204"}
	rf, _, err := parseRunFlags(args, noEnv, files(map[string]string{"team.yaml": sampleConfig}), io.Discard)
	require.NoError(t, err)
	require.Equal(t, time.Second, rf.live.pollInterval)
	require.Len(t, rf.formats, 1, "a repeatable flag replaces the file's list, not adds to it")
	require.Equal(t, []int{204}, rf.contract.cancelAccepted.statuses)
	require.Equal(t, "flag --poll-interval", rf.sources["poll-interval"])

	// The former name of a flag overrides the file's key too.
	rf, _, err = parseRunFlags([]string{"--config", "team.yaml", "--poll-timeout", "45s"}, noEnv, files(map[string]string{"team.yaml": sampleConfig}), io.Discard)
	require.NoError(t, err)
	require.Equal(t, 45*time.Second, rf.contract.exportFinishesWithin)
}

func TestConfigFileMistakesNameTheKey(t *testing.T) {
	tests := []struct {
		name, file, want string
	}{
		{"unknown key", "base_url: https://h\npol_interval: 2s\n", `team.yaml:2: key pol_interval: unknown key (did you mean poll_interval?)`},
		{"wrong type", "poll_interval: soon\n", `team.yaml:1: key poll_interval: invalid value "soon"`},
		{"a list where one value goes", "concurrency: [1, 2]\n", `team.yaml:1: key concurrency: want one value, got a list of 2`},
		{"unknown contract key", "contract:\n  cancel_accepts: [204]\n", `team.yaml:2: key contract.cancel_accepts: unknown key`},
		{"a status that is not a success", "contract:\n  cancel_accepted: [200, 404]\n", `team.yaml:2: key contract.cancel_accepted: invalid value "404"`},
		{"a secret as a key", "password: hunter2\n", `team.yaml:1: key password: unknown key`},
		{"dashes", "base-url: https://h\n", `team.yaml:1: key base-url: unknown key (did you mean base_url?)`},
		{"not YAML", "base_url: [\n", `team.yaml: yaml:`},
		{"not a mapping", "- a\n- b\n", `team.yaml:1: want a mapping of keys to values`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := parseRunFlags([]string{"--config", "team.yaml"}, noEnv, files(map[string]string{"team.yaml": tt.file}), io.Discard)
			require.ErrorContains(t, err, tt.want)
			require.NotContains(t, err.Error(), "hunter2", "a value is never echoed when the key is unknown")
			var stderr bytes.Buffer
			require.Equal(t, exitUsage, exitCode(err, &stderr))
		})
	}
	_, _, err := parseRunFlags([]string{"--config", "missing.yaml"}, noEnv, files(nil), io.Discard)
	require.ErrorContains(t, err, "missing.yaml")
}

func TestConformYAMLInTheWorkingDirectory(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("CONFORM_BASE_URL", "")
	code, out, errOut := conform(t, "run", "--print-config")
	require.Equal(t, exitPass, code, errOut)
	require.Contains(t, out, "tags: \"\"")
	require.Contains(t, out, "# default")

	require.NoError(t, os.WriteFile(filepath.Join(dir, "conform.yaml"), []byte("tags: \"@fake-only\"\ncontract:\n  cancel_settles_within: 45s\n"), 0o644))
	code, out, errOut = conform(t, "run", "--print-config", "--seed", "7")
	require.Equal(t, exitPass, code, errOut)
	for _, want := range []string{
		`tags: '@fake-only'`, "# conform.yaml:1",
		"seed: 7", "# flag --seed",
		"cancel_settles_within: 45s", "# conform.yaml:3",
		"cancel_accepted: [200]",
		"export_finishes_within: 2m0s",
	} {
		require.Contains(t, out, want)
	}
	require.NotContains(t, out, "print_config")

	// The file is used by a run, not only printed.
	code, out, errOut = conform(t, "run", "--format", "progress")
	require.Equal(t, exitPass, code, errOut)
	require.Contains(t, out, "2 scenarios (2 passed)", "the file's tags chose the @fake-only scenarios")
	require.Contains(t, errOut, "a cancellation settles within 45s (contract.cancel_settles_within)")
}

func TestRunHelpGroupsTheFlags(t *testing.T) {
	code, out, _ := conform(t, "run", "--help")
	require.Equal(t, exitPass, code)
	var at []int
	for _, heading := range []string{"Target:", "Credentials:", "TLS:", "Polling:", "Contract:", "Reports:", "Configuration:"} {
		i := strings.Index(out, "\n"+heading+"\n")
		require.Positive(t, i, "no %s heading", heading)
		at = append(at, i)
	}
	require.IsIncreasing(t, at)
	require.NotContains(t, out, "\nOther:\n", "every flag of conform run has its group")
	require.Less(t, strings.Index(out, "-cancel-accepted"), strings.Index(out, "\nReports:"))
}

func TestStepsListsEveryStep(t *testing.T) {
	code, out, _ := conform(t, "steps")
	require.Equal(t, exitPass, code)
	require.Contains(t, out, "Then the cancel is accepted\n")
	require.Contains(t, out, "pattern: ^the cancel is accepted$")
	code, out, _ = conform(t, "steps", "--format", "markdown")
	require.Equal(t, exitPass, code)
	require.True(t, strings.HasPrefix(out, "| step | what it does | pattern |\n"))
	code, _, errOut := conform(t, "steps", "--format", "html")
	require.Equal(t, exitUsage, code)
	require.Contains(t, errOut, "Run 'conform steps --help' for usage.")
}

func TestOwnFeaturesRunWithTheBuiltInOnes(t *testing.T) {
	dir := t.TempDir()
	mine := filepath.Join(dir, "team", "mine.feature")
	require.NoError(t, os.MkdirAll(filepath.Dir(mine), 0o755))
	require.NoError(t, os.WriteFile(mine, []byte(`Feature: Our own flow
  Scenario: We cancel what we submit
    Given I am an authorised integration user
    When I submit an export request
    Then the answer is 202 Accepted
    And the answr is the status document of a new request
`), 0o644))
	code, out, errOut := conform(t, "run", "--format", "progress", "--features", filepath.Join(dir, "team"))
	require.Equal(t, exitUsage, code, "an undefined step is the feature's mistake, not the target's:\n%s\n%s", out, errOut)
	require.Empty(t, out, "nothing was run")
	require.Contains(t, errOut, `undefined step "the answr is the status document of a new request"; the closest steps conform knows: "the answer is the status document of a new request"`)

	require.NoError(t, os.WriteFile(mine, []byte(`Feature: Our own flow
  Scenario: We cancel what we submit
    Given I am an authorised integration user
    When I submit an export request
    Then the answer is 202 Accepted
`), 0o644))
	code, out, errOut = conform(t, "run", "--format", "progress", "--features", mine, "--no-builtin-features")
	require.Equal(t, exitPass, code, errOut)
	require.Contains(t, out, "1 scenarios (1 passed)")

	code, _, errOut = conform(t, "run", "--no-builtin-features")
	require.Equal(t, exitUsage, code)
	require.Contains(t, errOut, "--no-builtin-features leaves nothing to run")
	code, _, errOut = conform(t, "run", "--features", filepath.Join(dir, "nothing-here"))
	require.Equal(t, exitUsage, code, errOut)
}

// The README's worked conform.yaml must be one conform reads.
func TestREADMEConfigExampleLoads(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	require.NoError(t, err)
	const start = "```yaml\n# conform.yaml"
	i := strings.Index(string(readme), start)
	require.Positive(t, i, "the README has a worked conform.yaml")
	block := string(readme[i+len("```yaml\n"):])
	block = block[:strings.Index(block, "```")]
	// The example sets base_url, which only a file named by --config may.
	rf, _, err := parseRunFlags([]string{"--config", "conform.yaml"}, noEnv, files(map[string]string{"conform.yaml": block}), io.Discard)
	require.NoError(t, err)
	require.Equal(t, []int{200, 204}, rf.contract.cancelAccepted.statuses)
	require.Equal(t, "vendor/openapi-26b.json", rf.spec)
	require.Equal(t, stringList{"vendor/use-case.overlay.yaml"}, rf.overlays)
	require.Equal(t, 30*time.Minute, rf.contract.exportFinishesWithin)
}

// TestPrintConfigShowsTheValuesInForce: --print-config shows what a run would use, not the
// flags' zero values: the concurrency (1 against the bundled fake, 16 against a target), the
// pretty console when no format is given, the credentials' settings from the environment, and
// for every key left empty or zero what that means.
func TestPrintConfigShowsTheValuesInForce(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want []string // lines, as regular expressions
	}{{
		name: "bundled fake",
		want: []string{
			`concurrency: 1 +# default \(against the bundled fake\)`,
			`formats: \[pretty\] +# default \(the pretty console on stdout\)`,
			`base_url: "" +# default \(the bundled fake\)`,
			`spec: "" +# default \(the embedded spec\)`,
			`tags: "" +# default \(every scenario\)`,
		},
	}, {
		name: "a target from the environment",
		env:  map[string]string{"CONFORM_BASE_URL": "https://vendor.example", "CONFORM_OAUTH2_TOKEN_URL": "https://idp.example/token", "CONFORM_OAUTH2_SCOPES": "read, write"},
		want: []string{
			`base_url: https://vendor.example +# environment CONFORM_BASE_URL`,
			`concurrency: 16 +# default \(against a target\)`,
			`oauth2_token_url: https://idp.example/token +# environment CONFORM_OAUTH2_TOKEN_URL`,
			`oauth2_scopes: \[read, write\] +# environment CONFORM_OAUTH2_SCOPES`,
			`tags: "" +# default \(every scenario; against a target those tagged @fake-only are left out\)`,
		},
	}, {
		name: "given values are shown as given",
		args: []string{"--concurrency", "3", "--format", "progress", "--format", "junit:out.xml", "--report", "r.html", "--base-url", "https://vendor.example"},
		want: []string{
			`concurrency: 3 +# flag --concurrency$`,
			`formats: \[progress, "?junit:out.xml"?\] +# flag --format$`,
			`report: r.html +# flag --report$`,
		},
	}, {
		name: "a report alone adds the pretty console",
		args: []string{"--report", "r.html"},
		want: []string{`formats: \[pretty\] +# default \(the pretty console on stdout\)`},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			for _, k := range []string{"CONFORM_BASE_URL", "CONFORM_OAUTH2_TOKEN_URL", "CONFORM_OAUTH2_SCOPES", "CONFORM_OAUTH2_CLIENT_ID",
				"CONFORM_PASSWORD", "CONFORM_PASSWORD_FILE", "CONFORM_OAUTH2_CLIENT_SECRET", "CONFORM_OAUTH2_CLIENT_SECRET_FILE"} {
				t.Setenv(k, tt.env[k])
			}
			code, out, errOut := conform(t, append([]string{"run", "--print-config"}, tt.args...)...)
			require.Equal(t, exitPass, code, errOut)
			for _, want := range tt.want {
				require.Regexp(t, "(?m)^ *"+want, out)
			}
			// Every key: a value left empty or zero says what it means for the run.
			for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
				if line == "contract:" {
					continue
				}
				value, comment, ok := strings.Cut(line, "#")
				require.True(t, ok, "%q says where its value came from", line)
				_, value, _ = strings.Cut(value, ":")
				switch strings.TrimSpace(value) {
				case `""`, "[]", "0":
					require.Contains(t, comment, "(", "%q: an empty value must say what is in force", line)
				}
			}
		})
	}
}
