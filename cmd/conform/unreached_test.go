package main

import (
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// closedURL is the URL of a 127.0.0.1 port nothing listens on: a listener opened and closed.
func closedURL(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return "http://" + addr
}

// unreachedJUnit is the part of a JUnit report the test reads.
type unreachedJUnit struct {
	Tests    int `xml:"tests,attr"`
	Failures int `xml:"failures,attr"`
	Errors   int `xml:"errors,attr"`
	Suites   []struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Cases    []struct {
			Name     string `xml:"name,attr"`
			Status   string `xml:"status,attr"`
			Failures []struct {
				Message string `xml:"message,attr"`
			} `xml:"failure"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

// TestUnreachableTargetStillWritesTheReports: a run that ends with exit 3 before any scenario
// (nothing listening, credentials refused at the preflight, a token endpoint that cannot be
// reached) writes every JUnit and Cucumber JSON report asked for, each with one failed testcase
// that says why, and no secret: the CI step that publishes them has something to show.
func TestUnreachableTargetStillWritesTheReports(t *testing.T) {
	schema, err := filepath.Abs(filepath.Join("..", "..", "internal", "suite", "testdata", "junit.xsd"))
	require.NoError(t, err)
	srv := liveFake(t, "alice", "wonderland")
	const password = "hunter2-canary-password"
	const clientSecret = "client-canary-secret"
	const queryToken = "query-canary-token"
	tests := []struct {
		name    string
		env     map[string]string
		baseURL string
		want    string // in the failure's message
	}{
		{"nothing listening", map[string]string{"CONFORM_USERNAME": "alice", "CONFORM_PASSWORD": password},
			closedURL(t), "cannot reach the target " + closedURL(t)[:len("http://127.0.0.1:")]},
		{"credentials rejected at the preflight", map[string]string{"CONFORM_USERNAME": "alice", "CONFORM_PASSWORD": password},
			srv.URL, "the target " + srv.URL + "/logisticsRestApi/data/v1 rejects the credentials: it answered 401"},
		{"token endpoint unreachable", map[string]string{
			"CONFORM_OAUTH2_TOKEN_URL":     closedURL(t) + "/token?access_token=" + queryToken,
			"CONFORM_OAUTH2_CLIENT_ID":     "ci",
			"CONFORM_OAUTH2_CLIENT_SECRET": clientSecret,
		}, srv.URL, "cannot reach the oauth2 token endpoint http://127.0.0.1:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := withoutCredentials(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			junits := []string{filepath.Join(dir, "reports", "junit.xml"), filepath.Join(dir, "more", "deep", "junit.xml")}
			cucumber := filepath.Join(dir, "reports", "cucumber.json")
			code, out, errOut := conform(t, "run", "--base-url", tt.baseURL, "--retries", "0",
				"--format", "progress", "--format", "junit:"+junits[0], "--format", "junit:"+junits[1],
				"--format", "cucumber:"+cucumber, "--format", "junit")
			require.Equal(t, exitUnreachable, code, "stdout:\n%s\nstderr:\n%s", out, errOut)

			reports := map[string][]byte{"stdout": []byte(out)}
			for _, path := range append(junits, cucumber) {
				b, err := os.ReadFile(path)
				require.NoError(t, err, "the report asked for is written")
				reports[path] = b
			}
			for name, b := range reports {
				for _, secret := range []string{password, clientSecret, queryToken,
					base64.StdEncoding.EncodeToString([]byte("alice:" + password)), base64.StdEncoding.EncodeToString([]byte("ci:" + clientSecret))} {
					require.NotContains(t, string(b), secret, "%s holds a secret", name)
				}
			}
			for _, name := range []string{junits[0], junits[1], "stdout"} {
				var doc unreachedJUnit
				require.NoError(t, xml.Unmarshal(reports[name], &doc), name)
				require.Equal(t, 1, doc.Tests, name)
				require.Equal(t, 1, doc.Failures, name)
				require.Zero(t, doc.Errors, name)
				require.Len(t, doc.Suites, 1)
				require.Equal(t, 1, doc.Suites[0].Tests)
				require.Equal(t, 1, doc.Suites[0].Failures)
				require.Len(t, doc.Suites[0].Cases, 1)
				tc := doc.Suites[0].Cases[0]
				require.Equal(t, "failed", tc.Status)
				require.Contains(t, tc.Name, "conform reaches ")
				require.Len(t, tc.Failures, 1)
				require.Contains(t, tc.Failures[0].Message, tt.want)
			}
			junitSchema(t, schema, junits[0])

			var feats []struct {
				Elements []struct {
					Steps []struct {
						Result struct {
							Status string `json:"status"`
							Error  string `json:"error_message"`
						} `json:"result"`
					} `json:"steps"`
				} `json:"elements"`
			}
			require.NoError(t, json.Unmarshal(reports[cucumber], &feats))
			require.Len(t, feats, 1)
			require.Len(t, feats[0].Elements, 1)
			require.Len(t, feats[0].Elements[0].Steps, 1)
			step := feats[0].Elements[0].Steps[0]
			require.Equal(t, "failed", step.Result.Status)
			require.Contains(t, step.Result.Error, tt.want)
		})
	}
}

// TestUsageErrorWritesNoReport: only a target that cannot be used gets the report of a run that
// could not start; a usage error (no credentials) writes none.
func TestUsageErrorWritesNoReport(t *testing.T) {
	dir := withoutCredentials(t)
	junit := filepath.Join(dir, "junit.xml")
	code, _, errOut := conform(t, "run", "--base-url", closedURL(t), "--format", "junit:"+junit)
	require.Equal(t, exitUsage, code, errOut)
	require.NoFileExists(t, junit)
}

// junitSchema validates the JUnit report at path against godog's JUnit schema (schema: the copy
// in internal/suite/testdata) with xmllint, which CI installs; without xmllint only the Go checks
// of the report run.
func junitSchema(t *testing.T, schema, path string) {
	t.Helper()
	bin, err := exec.LookPath("xmllint")
	if err != nil {
		t.Log("xmllint is not installed (Debian: apt-get install libxml2-utils): the report's schema is not checked")
		return
	}
	out, err := exec.Command(bin, "--noout", "--schema", schema, path).CombinedOutput()
	require.NoError(t, err, "%s", strings.TrimSpace(string(out)))
}
