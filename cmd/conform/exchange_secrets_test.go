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

	"github.com/conform-harness/conform/export"
)

// The secrets an exchange carries in its URL and its credential headers, which the target echoes.
const (
	urlPassword = "URL-PASSWORD-c41d7e"
	accessToken = "ACCESS-TOKEN-9b02f3"
	cookieValue = "COOKIE-SESSION-5a88e1"
	apiKey      = "API-KEY-d7c3b0"
	bearerToken = "BEARER-TOKEN-61fe2a"
	setCookie   = "SET-COOKIE-0e9d44"
)

var exchangeSecrets = []string{urlPassword, accessToken, cookieValue, apiKey, bearerToken, setCookie}

// echoTarget answers every call with a status document that breaks the spec and echoes the
// request's credentials in its body (a value a violation quotes, and one it does not), and sets
// a session cookie.
func echoTarget(t testing.TB) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pw, _ := r.BasicAuth()
		echo := strings.Join([]string{user, pw, r.URL.Query().Get("access_token"), r.Header.Get("Cookie"),
			r.Header.Get("X-API-Key"), r.Header.Get("Authorization")}, " ")
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Set-Cookie", "session="+setCookie+"; Path=/; HttpOnly")
		body, _ := json.Marshal(map[string]any{"requestId": echo, "progress": 7, "echo": echo + " " + setCookie})
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// harWithSecrets writes a HAR file whose entries carry every kind of exchange secret and whose
// answers echo each entry's own.
func harWithSecrets(t testing.TB, dir string) string {
	t.Helper()
	entry := func(i int, url string, headers [][2]string, echoed ...string) map[string]any {
		echo := strings.Join(append(echoed, setCookie), " ")
		body, _ := json.Marshal(map[string]any{"requestId": echo, "progress": 7, "echo": echo})
		var hs []map[string]string
		for _, h := range headers {
			hs = append(hs, map[string]string{"name": h[0], "value": h[1]})
		}
		return map[string]any{
			"startedDateTime": time.Date(2026, 1, 2, 3, 4, i, 0, time.UTC).Format(time.RFC3339Nano),
			"time":            1,
			"request": map[string]any{"method": "GET", "url": url, "httpVersion": "HTTP/1.1", "cookies": []any{},
				"headers": hs, "queryString": []any{}, "headersSize": -1, "bodySize": 0},
			"response": map[string]any{"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "cookies": []any{},
				"headers": []map[string]string{{"name": "Content-Type", "value": "application/json"},
					{"name": "Set-Cookie", "value": "session=" + setCookie + "; Path=/"}},
				"content":     map[string]any{"size": len(body), "mimeType": "application/json", "text": string(body)},
				"redirectURL": "", "headersSize": -1, "bodySize": len(body)},
			"cache": map[string]any{}, "timings": map[string]any{"send": 0, "wait": 1, "receive": 0},
		}
	}
	root := "https://api.example.test" + export.Root
	doc := map[string]any{"log": map[string]any{
		"version": "1.2", "creator": map[string]any{"name": "test", "version": "1"},
		"entries": []any{
			entry(1, "https://alice:"+urlPassword+"@api.example.test"+export.Root+"/exportStatuses/7?access_token="+accessToken,
				[][2]string{{"Cookie", "session=" + cookieValue}, {"X-API-Key", apiKey}}, urlPassword, accessToken, cookieValue, apiKey),
			entry(2, root+"/exportStatuses/8", [][2]string{{"Authorization", "Bearer " + bearerToken}}, bearerToken),
		},
	}}
	b, err := json.Marshal(doc)
	require.NoError(t, err)
	path := filepath.Join(dir, "secrets.har")
	require.NoError(t, os.WriteFile(path, b, 0o600))
	return path
}

// reportArgs asks for every report format, written under dir.
func reportArgs(dir string) []string {
	return []string{"--format", "junit:" + filepath.Join(dir, "out", "junit.xml"),
		"--format", "cucumber:" + filepath.Join(dir, "out", "cucumber.json"),
		"--format", "messages:" + filepath.Join(dir, "out", "messages.ndjson"),
		"--report", filepath.Join(dir, "out", "report.html")}
}

var base64Run = regexp.MustCompile(`[A-Za-z0-9+/]{16,}={0,2}`)

// written returns every report under dir/out, with the base64 that any of them embeds (the
// attachments of Cucumber JSON, of Messages and of the HTML report) decoded beside it.
func writtenReports(t testing.TB, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, name := range []string{"junit.xml", "cucumber.json", "messages.ndjson", "report.html"} {
		b, err := os.ReadFile(filepath.Join(dir, "out", name))
		require.NoError(t, err, name)
		require.NotEmpty(t, b, name)
		out[name] = b
		for i, run := range base64Run.FindAll(b, -1) {
			for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding} {
				if d, err := enc.DecodeString(string(run)); err == nil {
					out[fmt.Sprintf("%s base64 %d", name, i)] = d
				}
			}
		}
	}
	return out
}

// requireNoExchangeSecret fails if any secret an exchange carried shows in what was written.
func requireNoExchangeSecret(t testing.TB, written map[string][]byte) {
	t.Helper()
	redacted := 0
	for name, b := range written {
		for _, s := range exchangeSecrets {
			require.False(t, bytes.Contains(b, []byte(s)), "%s shows the secret %q", name, s)
		}
		redacted += bytes.Count(b, []byte("[REDACTED]"))
	}
	require.Positive(t, redacted, "the echoed secrets reached the reports, redacted")
}

// TestAuditKeepsURLAndEchoedSecretsOutOfEveryReport: a HAR whose entries carry a URL's
// password, an access_token, a cookie, an API key and a bearer token, all echoed in the answer,
// is audited into every report; none of the values shows anywhere.
func TestAuditKeepsURLAndEchoedSecretsOutOfEveryReport(t *testing.T) {
	dir := t.TempDir()
	har := harWithSecrets(t, dir)
	args := append([]string{"audit", "--format", "pretty"}, reportArgs(dir)...)
	code, out, errOut := conform(t, append(args, har)...)
	require.Equal(t, exitFail, code, "the answers break the spec:\n%s", errOut)
	written := writtenReports(t, dir)
	written["stdout"], written["stderr"] = []byte(out), []byte(errOut)
	require.Contains(t, string(written["cucumber.json"]), "exportStatuses/7", "the exchange is reported")
	requireNoExchangeSecret(t, written)
}

// TestProxyKeepsURLAndEchoedSecretsOutOfEveryReport: a client sends, through the proxy, a
// request with Basic credentials, an access_token, a cookie and an API key, and another with a
// bearer token; the target echoes them and sets a cookie. None of the values shows in the log
// or in any report.
func TestProxyKeepsURLAndEchoedSecretsOutOfEveryReport(t *testing.T) {
	target := echoTarget(t)
	dir := t.TempDir()
	pr := startProxy(t, append([]string{"--target", target.URL, "--addr", "127.0.0.1:0"}, reportArgs(dir)...)...)
	first, err := http.NewRequest(http.MethodGet, pr.url+"/exportStatuses/7?access_token="+accessToken, nil)
	require.NoError(t, err)
	first.SetBasicAuth("alice", urlPassword)
	first.Header.Set("Cookie", "session="+cookieValue)
	first.Header.Set("X-API-Key", apiKey)
	second, err := http.NewRequest(http.MethodGet, pr.url+"/exportStatuses/8", nil)
	require.NoError(t, err)
	second.Header.Set("Authorization", "Bearer "+bearerToken)
	for _, req := range []*http.Request{first, second} {
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
	}
	code := pr.end(t)
	require.Equal(t, exitFail, code, pr.stderr.String())
	written := writtenReports(t, dir)
	written["stdout"], written["stderr"] = []byte(pr.stdout.String()), []byte(pr.stderr.String())
	require.Contains(t, string(written["cucumber.json"]), "exportStatuses/7", "the exchange is reported")
	requireNoExchangeSecret(t, written)
}

// TestAClientsTokenCannotMaskAnotherExchangesReport: a client whose token is text of its
// choosing ("cancelling-x") masks that text in its own exchange's evidence only: the log lines
// and the report step of other clients' exchanges, before and after it, which the target answers
// with the same text, show it.
func TestAClientsTokenCannotMaskAnotherExchangesReport(t *testing.T) {
	const chosen = "cancelling-x"
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"requestId": "7", "progress": "%s"}`, chosen)
	}))
	t.Cleanup(target.Close)
	dir := t.TempDir()
	pr := startProxy(t, append([]string{"--target", target.URL, "--addr", "127.0.0.1:0"}, reportArgs(dir)...)...)
	for _, token := range []string{"an-honest-clients-token", chosen, "an-honest-clients-token"} {
		req, err := http.NewRequest(http.MethodGet, pr.url+"/exportStatuses/7", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
	}
	code := pr.end(t)
	stderr := pr.stderr.String()
	require.Equal(t, exitFail, code, stderr)

	// The log: the lines of the exchange after the aiming client's show the target's words.
	var lines []string
	for _, l := range strings.Split(stderr, "\n") {
		if strings.Contains(l, "getExportStatus 7: spec: response /progress") {
			lines = append(lines, l)
		}
	}
	require.Len(t, lines, 3, stderr)
	require.Contains(t, lines[2], `(got "`+chosen+`")`, "the line of the exchange after the aiming one shows the target's words")

	// The report: one scenario, a step per exchange; the first step's attachments are the first
	// client's exchange (the steps after a failed one are skipped).
	var feats []struct {
		Elements []struct {
			Steps []struct {
				Name       string `json:"name"`
				Embeddings []struct {
					Data string `json:"data"`
				} `json:"embeddings"`
			} `json:"steps"`
		} `json:"elements"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "out", "cucumber.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &feats))
	require.NotEmpty(t, feats)
	require.NotEmpty(t, feats[0].Elements)
	steps := feats[0].Elements[0].Steps
	require.Len(t, steps, 3, "a step per exchange")
	var first []string
	for _, e := range steps[0].Embeddings {
		d, err := base64.StdEncoding.DecodeString(e.Data)
		require.NoError(t, err)
		first = append(first, string(d))
	}
	require.NotEmpty(t, first, "%s", b)
	require.Contains(t, first[0], `\"progress\": \"`+chosen+`\"`, "the first client's exchange shows its body whole")
	require.Contains(t, first[0], `(got \"`+chosen+`\")`, "and its violation quotes the value")
	require.Equal(t, 1, strings.Count(first[0], "[REDACTED]"), "its own Authorization header is masked, and nothing else: no one else's token masks the first client's exchange")
	require.NotContains(t, string(b), "an-honest-clients-token", "each client's own token stays out")
}
