package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
)

// credentialEnv are the variables that say where a run's target and credentials are; a test
// that sets some clears the others, so that the machine's own never leak in.
var credentialEnv = []string{"CONFORM_BASE_URL", "CONFORM_USERNAME", "CONFORM_PASSWORD", "CONFORM_PASSWORD_FILE",
	"CONFORM_OAUTH2_TOKEN_URL", "CONFORM_OAUTH2_CLIENT_ID", "CONFORM_OAUTH2_CLIENT_SECRET",
	"CONFORM_OAUTH2_CLIENT_SECRET_FILE", "CONFORM_OAUTH2_SCOPES"}

// withoutCredentials clears every variable of credentialEnv for the test and makes a new
// temporary directory, which it returns, the working directory: no conform.yaml, no target.
func withoutCredentials(t testing.TB) string {
	t.Helper()
	for _, k := range credentialEnv {
		t.Setenv(k, "")
	}
	dir := t.TempDir()
	t.Chdir(dir)
	return dir
}

// TestPrecedenceFlagsThenEnvironmentThenFile: for every key that also has an environment
// variable, a flag beats the variable and the variable beats the file, even a file named by
// --config.
func TestPrecedenceFlagsThenEnvironmentThenFile(t *testing.T) {
	tests := []struct {
		key, flag, env string
		value          func(runFlags) string // the flag's value after parsing; "" lets the environment speak
		envWins        string                // the value when the environment wins: the variable's for base_url
	}{
		{"base_url", "--base-url", "CONFORM_BASE_URL", func(rf runFlags) string { return rf.live.baseURL }, "https://from-env.example"},
		{"password_file", "--password-file", "CONFORM_PASSWORD_FILE", func(rf runFlags) string { return rf.live.passwordFile }, ""},
		{"password_file", "--password-file", "CONFORM_PASSWORD", func(rf runFlags) string { return rf.live.passwordFile }, ""},
		{"oauth2_token_url", "--oauth2-token-url", "CONFORM_OAUTH2_TOKEN_URL", func(rf runFlags) string { return rf.live.tokenURL }, ""},
		{"oauth2_client_id", "--oauth2-client-id", "CONFORM_OAUTH2_CLIENT_ID", func(rf runFlags) string { return rf.live.clientID }, ""},
		{"oauth2_client_secret_file", "--oauth2-client-secret-file", "CONFORM_OAUTH2_CLIENT_SECRET_FILE", func(rf runFlags) string { return rf.live.clientSecretFile }, ""},
		{"oauth2_client_secret_file", "--oauth2-client-secret-file", "CONFORM_OAUTH2_CLIENT_SECRET", func(rf runFlags) string { return rf.live.clientSecretFile }, ""},
		{"oauth2_scopes", "--oauth2-scope", "CONFORM_OAUTH2_SCOPES", func(rf runFlags) string { return rf.live.scopes.String() }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.key+" against "+tt.env, func(t *testing.T) {
			const fromFile, fromEnv, fromFlag = "https://from-file.example", "https://from-env.example", "https://from-flag.example"
			yaml := tt.key + ": " + fromFile + "\n"
			if tt.key != "base_url" {
				yaml += "base_url: https://vendor.example\n" // the credentials' keys need a target
			}
			file := files(map[string]string{"team.yaml": yaml})
			env := func(k string) string {
				if k == tt.env {
					return fromEnv
				}
				return ""
			}
			// The file alone.
			rf, _, err := parseRunFlags([]string{"--config", "team.yaml"}, noEnv, file, io.Discard)
			require.NoError(t, err)
			require.Equal(t, fromFile, tt.value(rf))
			// The environment beats the file.
			rf, _, err = parseRunFlags([]string{"--config", "team.yaml"}, env, file, io.Discard)
			require.NoError(t, err)
			require.Equal(t, tt.envWins, tt.value(rf), "%s must override the file's %s", tt.env, tt.key)
			// The flag beats both.
			rf, _, err = parseRunFlags([]string{"--config", "team.yaml", tt.flag, fromFlag}, env, file, io.Discard)
			require.NoError(t, err)
			require.Equal(t, fromFlag, tt.value(rf))
		})
	}
}

// TestImplicitConformYAMLMayNotAimTheCredentials: a conform.yaml found in the working directory
// comes with the checked-out repository. It may not say where the credentials go, which files
// they are read from or what TLS trusts; --config conform.yaml trusts it.
func TestImplicitConformYAMLMayNotAimTheCredentials(t *testing.T) {
	for _, line := range []string{
		"base_url: https://attacker.example",
		"oauth2_token_url: https://attacker.example/token",
		"password_file: /etc/passwd",
		"oauth2_client_secret_file: /proc/self/environ",
		"ca_file: attacker.pem",
		"insecure_skip_verify: true",
	} {
		key, _, _ := strings.Cut(line, ":")
		t.Run(key, func(t *testing.T) {
			file := files(map[string]string{"conform.yaml": "tags: not @needs-slow-cancel\n" + line + "\n"})
			env := func(k string) string { // a target from the pipeline, as in CI
				if k == "CONFORM_BASE_URL" {
					return "https://vendor.example"
				}
				return ""
			}
			_, _, err := parseRunFlags(nil, env, file, io.Discard)
			require.Error(t, err, "an implicit conform.yaml set %s", key)
			require.ErrorContains(t, err, "conform.yaml:2: key "+key+":")
			require.ErrorContains(t, err, "pass --config conform.yaml to trust the file")
			require.Equal(t, exitUsage, exitCode(err, io.Discard))

			_, _, err = parseRunFlags([]string{"--config", "conform.yaml"}, env, file, io.Discard)
			require.NoError(t, err, "--config FILE trusts the file")
		})
	}
}

// countingServer counts every request it receives, on any path: a target and a token
// endpoint that must never be reached. It answers as both would (a token at /token, the
// export API's 404 elsewhere), so that a run that does reach it goes on as far as it can.
func countingServer(t testing.TB) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "/token") || strings.HasSuffix(r.URL.Path, "/steal") {
			_, _ = io.WriteString(w, `{"access_token":"counted-token","token_type":"Bearer","expires_in":3600}`)
			return
		}
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"title":"Not Found","status":404}`)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// TestUsageErrorsSendNothing: every usage mistake is found before the first request, the
// OAuth2 token request and the preflight included.
func TestUsageErrorsSendNothing(t *testing.T) {
	srv, count := countingServer(t)
	tests := []struct {
		name string
		file string // conform.yaml in the working directory
		args []string
		want string
		// noSecret: the environment holds no client secret (the file names a secret file)
		noSecret bool
	}{
		{name: "an implicit file sets the target", file: "base_url: " + srv.URL + "/elsewhere\n", want: "key base_url"},
		{name: "an implicit file posts a file as the client secret",
			file: "oauth2_token_url: " + srv.URL + "/steal\noauth2_client_secret_file: /proc/self/environ\n", want: "key oauth2_token_url", noSecret: true},
		{name: "tags that select only what a target cannot run", args: []string{"--tags", "@fake-only"}, want: "which this target cannot run"},
		{name: "tags that select nothing", args: []string{"--tags", "@no-such-tag"}, want: "selects no scenario"},
		{name: "an unknown formatter", args: []string{"--format", "nosuchformat"}, want: "unknown formatter"},
		{name: "a report that cannot be written", args: []string{"--report", "/dev/null/r.html"}, want: "--report"},
		{name: "a HAR file that cannot be written", args: []string{"--record", "/dev/null/run.har"}, want: "--record"},
		{name: "a coverage file that cannot be written", args: []string{"--coverage", "/dev/null/c.json"}, want: "--coverage"},
		{name: "a junit file that cannot be written", args: []string{"--format", "junit:/dev/null/j.xml"}, want: "junit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := withoutCredentials(t)
			t.Setenv("CONFORM_BASE_URL", srv.URL)
			t.Setenv("CONFORM_OAUTH2_TOKEN_URL", srv.URL+"/token")
			t.Setenv("CONFORM_OAUTH2_CLIENT_ID", "ci")
			if !tt.noSecret {
				t.Setenv("CONFORM_OAUTH2_CLIENT_SECRET", "pipeline-secret-value")
			}
			if tt.file != "" {
				require.NoError(t, os.WriteFile(filepath.Join(dir, "conform.yaml"), []byte(tt.file), 0o644))
			}
			before := count.Load()
			code, _, errOut := conform(t, append([]string{"run"}, append(tt.args, fastLive...)...)...)
			require.Equal(t, exitUsage, code, errOut)
			require.Contains(t, errOut, tt.want)
			require.Zero(t, count.Load()-before, "a run ending in a usage error sent requests; stderr:\n%s", errOut)
		})
	}
}

// TestRunSaysWhereTheTargetCameFrom: the first line of a run names the target and where it
// came from, before anything else happens.
func TestRunSaysWhereTheTargetCameFrom(t *testing.T) {
	srv, count := countingServer(t)
	root := srv.URL + "/logisticsRestApi/data/v1"
	tests := []struct {
		name string
		env  string
		args []string
		file string // team.yaml, given by --config
		want string
	}{
		{name: "the bundled fake", want: "conform: target: the bundled fake"},
		{name: "the environment", env: srv.URL, want: "conform: target: " + root + " (from CONFORM_BASE_URL)"},
		{name: "the flag", env: "https://from-env.example", args: []string{"--base-url", srv.URL}, want: "conform: target: " + root + " (from --base-url)"},
		{name: "the file given by --config", args: []string{"--config", "team.yaml"}, file: "base_url: " + srv.URL + "\n",
			want: "conform: target: " + root + " (from team.yaml, given by --config)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := withoutCredentials(t)
			t.Setenv("CONFORM_BASE_URL", tt.env)
			if tt.file != "" {
				require.NoError(t, os.WriteFile(filepath.Join(dir, "team.yaml"), []byte(tt.file), 0o644))
			}
			// A tag that selects nothing ends the run with a usage error, right after its first line.
			_, _, errOut := conform(t, append([]string{"run", "--tags", "@no-such-tag"}, tt.args...)...)
			first, _, _ := strings.Cut(errOut, "\n")
			require.Equal(t, tt.want, first, "stderr:\n%s", errOut)
		})
	}
	require.Zero(t, count.Load())
}
