package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
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

// The canaries: if any of them appears in anything the run writes, a secret has leaked.
const (
	canaryUser     = "canary-user"
	canaryPassword = "CANARY-PASSWORD-5e1b9c"
	canarySecret   = "CANARY-CLIENT-SECRET-77aa01"
	canaryToken    = "CANARY-TOKEN-3f0d2e"
)

// hostile wraps the fake in a server that echoes the Authorization header it got (and, for
// Basic, the decoded user:password) into every JSON answer, and whose refusal of a cancel says
// nothing of an invalid state, so that scenarios fail and their reports print the echo.
// With OAuth2 it accepts the canary token in place of the fake's Basic credentials.
func hostile(t testing.TB) *httptest.Server {
	t.Helper()
	fake := fakeserver.New(fakeserver.Options{Username: canaryUser, Password: canaryPassword,
		TableDuration: 100 * time.Millisecond, CancelDelay: 50 * time.Millisecond})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		echo := auth
		if user, pw, ok := r.BasicAuth(); ok {
			echo += " = " + user + ":" + pw
		}
		if auth == "Bearer "+canaryToken {
			r.SetBasicAuth(canaryUser, canaryPassword)
		}
		rec := httptest.NewRecorder()
		fake.ServeHTTP(rec, r)
		status, body := rec.Code, rec.Body.Bytes()
		refusedCancel := strings.Contains(r.URL.Path, "/custom-actions/cancel/") && status == http.StatusBadRequest
		var doc map[string]any
		if json.Unmarshal(body, &doc) == nil {
			doc["echo"] = echo
			if refusedCancel {
				doc["detail"] = "no: you sent " + echo
			}
			body, _ = json.Marshal(doc)
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Set("X-Echo", echo)
		w.Header().Del("Content-Length")
		w.WriteHeader(status)
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// tokenEndpoint issues the canary token to the canary client.
func tokenEndpoint(t testing.TB) *httptest.Server {
	t.Helper()
	return tokenServer(t, canarySecret, canaryToken)
}

// TestNoSecretInAnyOutput runs every output format against a server that echoes the
// credentials back, with Basic and with OAuth2, and searches everything written for them.
func TestNoSecretInAnyOutput(t *testing.T) {
	basicB64 := base64.StdEncoding.EncodeToString([]byte(canaryUser + ":" + canaryPassword))
	canaries := []string{canaryPassword, basicB64, canarySecret, canaryToken}

	for _, mode := range []string{"basic", "oauth2"} {
		t.Run(mode, func(t *testing.T) {
			srv := hostile(t)
			dir := t.TempDir()
			args := []string{"run", "--base-url", srv.URL, "--poll-interval", "20ms", "--color", "always",
				"--format", "pretty", "--format", "progress:" + filepath.Join(dir, "progress.txt"),
				"--format", "junit:" + filepath.Join(dir, "junit", "report.xml"),
				"--format", "cucumber:" + filepath.Join(dir, "cucumber.json"),
				"--format", "events:" + filepath.Join(dir, "events.ndjson"),
				"--format", "messages:" + filepath.Join(dir, "messages.ndjson"),
				"--report", filepath.Join(dir, "html", "report.html"),
				"--record", filepath.Join(dir, "traffic.har"), "--coverage", filepath.Join(dir, "coverage.json")}
			t.Setenv("CONFORM_USERNAME", "")
			t.Setenv("CONFORM_PASSWORD", "")
			t.Setenv("CONFORM_OAUTH2_CLIENT_SECRET", "")
			switch mode {
			case "basic":
				t.Setenv("CONFORM_USERNAME", canaryUser)
				t.Setenv("CONFORM_PASSWORD", canaryPassword)
			case "oauth2":
				t.Setenv("CONFORM_OAUTH2_CLIENT_SECRET", canarySecret)
				args = append(args, "--oauth2-token-url", tokenEndpoint(t).URL, "--oauth2-client-id", "canary-client")
			}

			code, out, errOut := conform(t, args...)
			require.Equal(t, exitFail, code, "the hostile server's refusals must fail the run:\n%s", errOut)
			// What was recorded, audited: the audit's own outputs must hold no secret either.
			acode, aout, aerr := conform(t, "audit", "--format", "pretty", "--format", "junit:"+filepath.Join(dir, "audit", "junit.xml"),
				"--report", filepath.Join(dir, "audit", "report.html"), filepath.Join(dir, "traffic.har"))
			// The run fails on the refusals' wording, a scenario's expectation; the spec and the
			// invariants, all that an audit checks, hold.
			require.Equal(t, exitPass, acode, "the audit:\n%s", aerr)

			written := map[string][]byte{"stdout": []byte(out), "stderr": []byte(errOut), "audit stdout": []byte(aout), "audit stderr": []byte(aerr)}
			require.NoError(t, filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				b, err := os.ReadFile(path)
				written[path] = b
				return err
			}))
			require.Len(t, written, 14, "stdout, stderr, six report files, the HAR file and the coverage; the audit's stdout, stderr and two reports; no leftovers: %v", keys(written))

			// Attachments are base64 in Cucumber JSON: decode them and search them too.
			for i, emb := range embeddings(t, written[filepath.Join(dir, "cucumber.json")]) {
				written[fmt.Sprintf("cucumber.json attachment %d", i)] = emb
			}
			require.Greater(t, len(written), 8, "the Cucumber JSON carries attachments")
			var redacted int
			for name, b := range written {
				for _, c := range canaries {
					require.False(t, bytes.Contains(b, []byte(c)), "%s leaks the canary %q", name, c)
				}
				redacted += bytes.Count(b, []byte("[REDACTED]"))
			}
			require.Positive(t, redacted, "the echoed credentials must have reached the output, redacted")
			require.Contains(t, out, "the error message should say that the request is in an invalid state", "the failures were reported")
		})
	}
}

func TestRejectedOAuth2ClientExits3WithoutTheSecret(t *testing.T) {
	srv := hostile(t)
	t.Setenv("CONFORM_USERNAME", "")
	t.Setenv("CONFORM_PASSWORD", "")
	t.Setenv("CONFORM_OAUTH2_CLIENT_SECRET", "WRONG-"+canarySecret)
	code, out, errOut := conform(t, "run", "--base-url", srv.URL, "--oauth2-token-url", tokenEndpoint(t).URL, "--oauth2-client-id", "canary-client")
	require.Equal(t, exitUnreachable, code, errOut)
	require.Contains(t, errOut, "credentials rejected")
	require.Contains(t, errOut, "invalid_client")
	require.NotContains(t, errOut+out, canarySecret)
}

// embeddings returns the decoded attachments of a Cucumber JSON report.
func embeddings(t testing.TB, report []byte) [][]byte {
	t.Helper()
	var feats []struct {
		Elements []struct {
			Steps []struct {
				Embeddings []struct {
					Data string `json:"data"`
				} `json:"embeddings"`
			} `json:"steps"`
		} `json:"elements"`
	}
	require.NoError(t, json.Unmarshal(report, &feats))
	var out [][]byte
	for _, f := range feats {
		for _, e := range f.Elements {
			for _, s := range e.Steps {
				for _, emb := range s.Embeddings {
					b, err := base64.StdEncoding.DecodeString(emb.Data)
					require.NoError(t, err)
					out = append(out, b)
				}
			}
		}
	}
	return out
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// echoing wraps a fake that accepts user:password (or the OAuth2 token, in their place) in a
// server that echoes the credentials it got, as a careless target would: the Authorization
// header in an X-Echo header and in every JSON answer, the user and password as a URL's
// userinfo, and leak, when set, as it is. It keeps the contract, so a run passes.
func echoing(t testing.TB, user, password, token, leak string) *httptest.Server {
	t.Helper()
	// Exports run, and cancellations settle, slowly enough for a cancel to find them under way
	// on a busy machine (under -race, beside other tests).
	fake := fakeserver.New(fakeserver.Options{Username: user, Password: password,
		TableDuration: 300 * time.Millisecond, CancelDelay: time.Second})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		if token != "" && auth == "Bearer "+token {
			r.SetBasicAuth(user, password)
		}
		rec := httptest.NewRecorder()
		fake.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		var doc map[string]any
		if json.Unmarshal(body, &doc) == nil {
			doc["echo"] = auth
			if u, p, ok := r.BasicAuth(); ok {
				doc["callback"] = "http://" + u + ":" + p + "@example.com/"
			}
			if leak != "" {
				doc["leak"] = leak
			}
			body, _ = json.Marshal(doc)
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Set("X-Echo", auth)
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.Code)
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestWeakSecretsLeaveConformsWordsAlone runs the suite with the password "conform" (conform
// serve's default, and a word of conform's) and with the OAuth2 token "t", against a target
// that echoes the credentials: no report and no console may show [REDACTED] inside conform's
// own words ("[REDACTED]s", "agains[REDACTED]"), every credential form the target echoed is
// still redacted, and so is a long secret it echoed in a body.
func TestWeakSecretsLeaveConformsWordsAlone(t *testing.T) {
	const weakPassword, weakToken, longSecret = "conform", "t", "Long-Client-Secret-4c81e2"
	tests := []struct {
		name string
		env  map[string]string
		srv  func(testing.TB) *httptest.Server
		args func(testing.TB) []string
		// leaks are the credential forms that must never show.
		leaks []string
	}{{
		name: "basic",
		env:  map[string]string{"CONFORM_USERNAME": "conform", "CONFORM_PASSWORD": weakPassword},
		srv:  func(t testing.TB) *httptest.Server { return echoing(t, "conform", weakPassword, "", "") },
		leaks: []string{base64.StdEncoding.EncodeToString([]byte("conform:" + weakPassword)), "conform:" + weakPassword,
			"Basic " + weakPassword},
	}, {
		name: "oauth2",
		env:  map[string]string{"CONFORM_OAUTH2_CLIENT_SECRET": longSecret},
		srv:  func(t testing.TB) *httptest.Server { return echoing(t, "u", "p-1", weakToken, longSecret) },
		args: func(t testing.TB) []string {
			return []string{"--oauth2-token-url", tokenServer(t, longSecret, weakToken).URL, "--oauth2-client-id", "canary-client"}
		},
		leaks: []string{longSecret},
	}}
	// A [REDACTED] may stand only where a credential stood: after a scheme, as a URL's
	// userinfo, or as the long secret the target echoed (in JSON, escaped once or twice, or in HTML).
	q := `(?:\\|"|&#34;|&quot;)*`
	asCredential := regexp.MustCompile(`(?:Basic |Bearer |://|leak` + q + `:\s*` + q + `)\[REDACTED\]`)
	// A token "t" must never show where it stands as a credential.
	bearerT := regexp.MustCompile(`Bearer t(?:[^A-Za-z0-9\-._~+/=%]|$)`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, k := range []string{"CONFORM_USERNAME", "CONFORM_PASSWORD", "CONFORM_PASSWORD_FILE", "CONFORM_OAUTH2_CLIENT_SECRET"} {
				t.Setenv(k, tt.env[k])
			}
			dir := t.TempDir()
			args := []string{"run", "--base-url", tt.srv(t).URL, "--poll-interval", "20ms",
				"--format", "pretty", "--format", "junit:" + filepath.Join(dir, "junit.xml"),
				"--format", "cucumber:" + filepath.Join(dir, "cucumber.json"),
				"--format", "messages:" + filepath.Join(dir, "messages.ndjson"),
				"--report", filepath.Join(dir, "report.html")}
			if tt.args != nil {
				args = append(args, tt.args(t)...)
			}
			code, out, errOut := conform(t, args...)
			require.Equal(t, exitPass, code, "stdout:\n%s\nstderr:\n%s", out, errOut)

			written := map[string]string{"stdout": out, "stderr": errOut}
			for _, f := range []string{"junit.xml", "cucumber.json", "messages.ndjson", "report.html"} {
				b, err := os.ReadFile(filepath.Join(dir, f))
				require.NoError(t, err)
				written[f] = string(b)
			}
			for i, emb := range embeddings(t, []byte(written["cucumber.json"])) {
				written[fmt.Sprintf("cucumber.json attachment %d", i)] = string(emb)
			}
			var redacted int
			for name, text := range written {
				all, forms := strings.Count(text, "[REDACTED]"), len(asCredential.FindAllStringIndex(text, -1))
				if all != forms {
					rest := asCredential.ReplaceAllString(text, "(credential)")
					i := strings.Index(rest, "[REDACTED]")
					require.Failf(t, "[REDACTED] inside conform's own words", "%s: %d of %d stand where no credential stood, e.g. …%s…",
						name, all-forms, all, rest[max(0, i-60):min(len(rest), i+40)])
				}
				redacted += all
				for _, leak := range tt.leaks {
					require.NotContains(t, text, leak, "%s leaks a credential", name)
				}
				require.False(t, bearerT.MatchString(text), "%s shows the token as a credential", name)
			}
			require.Positive(t, redacted, "the echoed credentials reached the reports, redacted")
			require.Contains(t, written["messages.ndjson"], `\"verdict\":\"conforms\"`, "conform's own words are whole")
			require.Contains(t, written["report.html"], `class="badge c-conforms"`)
			require.Contains(t, errOut, "running against")
		})
	}
}

// tokenServer issues token to the client "canary-client" with secret.
func tokenServer(t testing.TB, secret, token string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, got, ok := r.BasicAuth()
		if !ok {
			r.ParseForm()
			id, got = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
		}
		w.Header().Set("Content-Type", "application/json")
		if id != "canary-client" || got != secret {
			// A hostile token endpoint echoes the secret it was sent.
			w.WriteHeader(http.StatusUnauthorized)
			json.NewEncoder(w).Encode(map[string]string{"error": "invalid_client", "error_description": "bad secret " + got})
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"access_token": token, "token_type": "Bearer", "expires_in": 3600})
	}))
	t.Cleanup(srv.Close)
	return srv
}
