package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/fakeserver"
)

// TestAViolationQuotesTheValueWithoutTheSecret: a spec violation shows the value the target
// sent, and a password the target echoes in that value is masked whole, even where the value is
// cut short in the middle of it, which a redaction of the printed line could not recognise.
func TestAViolationQuotesTheValueWithoutTheSecret(t *testing.T) {
	const user, password = "echo-user", "ECHOED-PASSWORD-8c1d"
	// In the quoted value (a quote, 60 p, a space, the user, a colon), the password starts at
	// character 73 and ends past 80, where the quote is cut.
	progress := strings.Repeat("p", 60) + " " + user + ":" + password + " " + strings.Repeat("q", 40)
	fake := fakeserver.New(fakeserver.Options{Username: user, Password: password,
		TableDuration: 100 * time.Millisecond, CancelDelay: 50 * time.Millisecond})
	progressField := regexp.MustCompile(`"progress":"(pending|processing)"`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		fake.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		if r.URL.Path == "/logisticsRestApi/data/v1/exportRequests" {
			// The request's own progress: the first in the document.
			if loc := progressField.FindIndex(body); loc != nil {
				body = append(append(bytes.Clone(body[:loc[0]]), `"progress":"`+progress+`"`...), body[loc[1]:]...)
			}
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.Code)
		w.Write(body)
	}))
	t.Cleanup(srv.Close)

	dir := t.TempDir()
	feature := filepath.Join(dir, "submit.feature")
	require.NoError(t, os.WriteFile(feature, []byte("Feature: Submitting\n\n  Scenario: Submit\n"+
		"    Given I am an authorised integration user\n    When I submit an export request\n"), 0o600))
	t.Setenv("CONFORM_USERNAME", user)
	t.Setenv("CONFORM_PASSWORD", password)
	t.Setenv("CONFORM_OAUTH2_CLIENT_SECRET", "")
	report := filepath.Join(dir, "cucumber.json")
	code, out, errOut := conform(t, "run", "--base-url", srv.URL, "--poll-interval", "20ms", "--features", feature, "--no-builtin-features",
		"--format", "pretty", "--format", "cucumber:"+report)
	require.Equal(t, exitFail, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	written, err := os.ReadFile(report)
	require.NoError(t, err)
	all := out + errOut + string(written)
	for _, e := range embeddings(t, written) {
		all += string(e)
	}
	require.Contains(t, out, `createExportRequest POST /logisticsRestApi/data/v1/exportRequests → 202: response /progress: `)
	require.Contains(t, out, `(got "`+strings.Repeat("p", 60)+` [REDACTED] `+strings.Repeat("q", 7)+`…)`,
		"the value, with the credentials masked before the cut")
	require.NotContains(t, all, "ECHOED", "no part of the password")
}
