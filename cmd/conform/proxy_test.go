package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/export"
)

// proxyRun is `conform proxy` running in-process.
type proxyRun struct {
	url            string // the proxy's API root, as it printed it
	stdout, stderr *syncBuffer
	stop           context.CancelFunc
	code           chan int
}

var listeningRe = regexp.MustCompile(`listening on (http://\S+?` + regexp.QuoteMeta(export.Root) + `)`)

// startProxy runs `conform proxy args...` in-process and waits, with a deadline, until it
// says where it listens. It fails the test if the proxy ends first.
func startProxy(t testing.TB, args ...string) *proxyRun {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr := &proxyRun{stdout: &syncBuffer{}, stderr: &syncBuffer{}, stop: cancel, code: make(chan int, 1)}
	go func() {
		pr.code <- run(ctx, append([]string{"proxy"}, args...), noEnv, strings.NewReader(""), pr.stdout, pr.stderr)
	}()
	t.Cleanup(cancel)
	deadline := time.Now().Add(20 * time.Second)
	for {
		if m := listeningRe.FindStringSubmatch(pr.stdout.String()); m != nil {
			pr.url = m[1]
			return pr
		}
		select {
		case code := <-pr.code:
			t.Fatalf("conform proxy ended with %d before listening\nstdout:\n%s\nstderr:\n%s", code, pr.stdout, pr.stderr)
		case <-time.After(10 * time.Millisecond): // polling with a deadline
		}
		if time.Now().After(deadline) {
			t.Fatalf("conform proxy did not say where it listens\nstdout:\n%s\nstderr:\n%s", pr.stdout, pr.stderr)
		}
	}
}

// end stops the proxy, as the end of its context does, and returns its exit code.
func (pr *proxyRun) end(t testing.TB) int {
	t.Helper()
	pr.stop()
	select {
	case code := <-pr.code:
		return code
	case <-time.After(30 * time.Second):
		t.Fatalf("conform proxy did not stop\nstderr:\n%s", pr.stderr)
		return 0
	}
}

// through sends one request through the proxy with the tests' credentials and returns the
// status and body the client got.
func (pr *proxyRun) through(t testing.TB, method, path string) (int, string) {
	t.Helper()
	return pr.send(t, method, path, "")
}

// send is through with a JSON body (none when "").
func (pr *proxyRun) send(t testing.TB, method, path, body string) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, pr.url+path, rd)
	require.NoError(t, err)
	req.SetBasicAuth("alice", canary)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// stoppedLine is the proxy's summary line, from stderr.
func stoppedLine(stderr string) string {
	for _, line := range strings.Split(stderr, "\n") {
		if strings.Contains(line, "conform proxy: stopped by") {
			return line
		}
	}
	return ""
}

// withAndWithoutReports runs f twice: without reports, and with a JUnit report and the HTML
// report asked for; the verdict must not depend on them.
func withAndWithoutReports(t *testing.T, f func(t *testing.T, reportArgs []string) (code int, stderr string)) {
	t.Helper()
	var codes []int
	var lines []string
	for _, name := range []string{"without reports", "with reports"} {
		t.Run(name, func(t *testing.T) {
			var args []string
			junit := filepath.Join(t.TempDir(), "proxy.xml")
			if name == "with reports" {
				args = []string{"--format", "junit:" + junit, "--report", filepath.Join(filepath.Dir(junit), "proxy.html")}
			}
			code, stderr := f(t, args)
			if name == "with reports" && (code == exitPass || code == exitFail) {
				// The reports show the verdict the exit code gives: no failed testcase when the
				// session passed, at least one when it failed.
				if b, err := os.ReadFile(junit); err == nil {
					failed := regexp.MustCompile(`<testsuites [^>]*failures="(\d+)"`).FindSubmatch(b)
					require.NotNil(t, failed, "%s", b)
					require.Equal(t, code == exitFail, string(failed[1]) != "0", "JUnit's failures=%s, exit %d:\n%s", failed[1], code, b)
				}
			}
			codes = append(codes, code)
			lines = append(lines, stoppedLine(stderr))
		})
	}
	if t.Failed() {
		return
	}
	require.Len(t, codes, 2)
	require.Equal(t, codes[0], codes[1], "the exit code does not depend on the reports")
	require.Equal(t, lines[0], lines[1], "the console does not depend on the reports")
}

func TestProxyTargetNeverReachedExits3(t *testing.T) {
	port, err := freePort() // nothing listens there any more
	require.NoError(t, err)
	withAndWithoutReports(t, func(t *testing.T, reports []string) (int, string) {
		pr := startProxy(t, append([]string{"--target", "http://127.0.0.1:" + port, "--addr", "127.0.0.1:0"}, reports...)...)
		status, _ := pr.through(t, http.MethodGet, "/exportStatuses/1")
		require.Equal(t, http.StatusBadGateway, status)
		code := pr.end(t)
		stderr := pr.stderr.String()
		require.Equal(t, exitUnreachable, code, stderr)
		require.Contains(t, stderr, "conform proxy: GET "+export.Root+"/exportStatuses/1: the target did not answer: ", "each unanswered request is logged")
		require.Contains(t, stderr, "1 request(s) the target did not answer (502 to the client)")
		require.Contains(t, stderr, "conform: target unreachable: the target http://127.0.0.1:"+port+export.Root+" answered none of the 1 request(s) forwarded to it")
		return code, stderr
	})
}

func TestProxyOversizedBodyIsCountedNotAViolation(t *testing.T) {
	big := `{"x":"` + strings.Repeat("x", 4096) + `"}`
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, big)
	}))
	defer target.Close()
	withAndWithoutReports(t, func(t *testing.T, reports []string) (int, string) {
		pr := startProxy(t, append([]string{"--target", target.URL, "--addr", "127.0.0.1:0", "--max-response-bytes", "1024"}, reports...)...)
		status, body := pr.through(t, http.MethodGet, "/exportStatuses/1")
		require.Equal(t, http.StatusOK, status)
		require.Equal(t, big, body)
		code := pr.end(t)
		stderr := pr.stderr.String()
		require.Equal(t, exitPass, code, stderr)
		require.Contains(t, stderr, "conform proxy: GET "+export.Root+"/exportStatuses/1: a body is larger than 1024 bytes: not judged")
		require.Contains(t, stderr, "no violation; 1 answer(s) not judged")
		return code, stderr
	})
}

func TestProxyLogsABodyReadThatTimesOut(t *testing.T) {
	hold := make(chan struct{})
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, `{"requestId":`)
		w.(http.Flusher).Flush()
		select { // the rest never comes
		case <-hold:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(target.Close)
	t.Cleanup(func() { close(hold) })
	withAndWithoutReports(t, func(t *testing.T, reports []string) (int, string) {
		pr := startProxy(t, append([]string{"--target", target.URL, "--addr", "127.0.0.1:0", "--request-timeout", "300ms"}, reports...)...)
		req, err := http.NewRequest(http.MethodGet, pr.url+"/exportStatuses/1", nil)
		require.NoError(t, err)
		if resp, err := http.DefaultClient.Do(req); err == nil { // the client may see the cut as EOF
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		code := pr.end(t)
		stderr := pr.stderr.String()
		require.Equal(t, exitFail, code, stderr)
		require.Contains(t, stderr, "conform proxy: GET "+export.Root+"/exportStatuses/1: the answer could not be read: ", "the failed read is logged")
		require.Contains(t, stderr, ": 1 violation(s)")
		return code, stderr
	})
}

func TestProxyClientViolationsAreApart(t *testing.T) {
	fake := liveFake(t, "alice", canary)
	for _, tc := range []struct {
		name string
		args []string
		want int
	}{
		{"by default they do not fail the target", nil, exitPass},
		{"--fail-on-client-violations counts them", []string{"--fail-on-client-violations"}, exitFail},
	} {
		t.Run(tc.name, func(t *testing.T) {
			withAndWithoutReports(t, func(t *testing.T, reports []string) (int, string) {
				args := append([]string{"--target", fake.URL, "--addr", "127.0.0.1:0"}, tc.args...)
				pr := startProxy(t, append(args, reports...)...)
				status, _ := pr.through(t, http.MethodOptions, "/exportRequests")
				require.NotEqual(t, http.StatusBadGateway, status)
				status, _ = pr.send(t, http.MethodPost, "/exportRequests", `{"tables":"SHIPMENT"}`)
				require.Equal(t, http.StatusBadRequest, status)
				code := pr.end(t)
				stderr := pr.stderr.String()
				require.Equal(t, tc.want, code, stderr)
				require.Contains(t, stderr, "conform proxy: client: OPTIONS "+export.Root+"/exportRequests -: spec: request")
				require.Contains(t, stderr, "conform proxy: client: createExportRequest -: spec: request")
				require.Regexp(t, `: no violation; [1-9]\d* client violation\(s\)`, stderr, "the target's verdict, and the clients' apart")
				return code, stderr
			})
		})
	}
}

func TestProxySaysWhereItReallyListens(t *testing.T) {
	pr := startProxy(t, "--target", "http://127.0.0.1:1", "--addr", "0.0.0.0:0")
	require.Regexp(t, `conform proxy: listening on http://0\.0\.0\.0:\d+/logisticsRestApi/data/v1, forwarding to`, pr.stdout.String())
	require.Regexp(t, `conform proxy: warning: listening on 0\.0\.0\.0:\d+, not a loopback address: anyone who can reach it`, pr.stderr.String())
	pr.end(t)

	pr = startProxy(t, "--target", "http://127.0.0.1:1", "--addr", "127.0.0.1:0")
	require.Regexp(t, `conform proxy: listening on http://127\.0\.0\.1:\d+/logisticsRestApi/data/v1, forwarding to`, pr.stdout.String())
	pr.end(t)
	require.NotContains(t, pr.stderr.String(), "warning", "loopback is no cause for a warning")
}

func TestProxyForwardsOnlyTheAPIRoot(t *testing.T) {
	var mu sync.Mutex
	var reached []string
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		reached = append(reached, r.URL.Path)
		w.WriteHeader(http.StatusTeapot)
	}))
	defer target.Close()
	pr := startProxy(t, "--target", target.URL, "--addr", "127.0.0.1:0")
	host := strings.TrimSuffix(pr.url, export.Root)
	for _, u := range []string{host + "/favicon.ico", host + "/", host + export.Root + "/../../admin", host + "/logisticsRestApi/data/v10/exportStatuses/1"} {
		req, err := http.NewRequest(http.MethodGet, u, nil)
		require.NoError(t, err)
		req.SetBasicAuth("alice", canary)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusNotFound, resp.StatusCode, u)
	}
	status, _ := pr.through(t, http.MethodGet, "/exportStatuses/1")
	require.Equal(t, http.StatusTeapot, status, "the API root is forwarded")
	pr.end(t)
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, []string{export.Root + "/exportStatuses/1"}, reached, "nothing outside the API root reaches the target")
	require.Contains(t, pr.stderr.String(), "; 4 request(s) outside "+export.Root+" answered 404 by the proxy, not forwarded")
}

func TestProxyRefusesToBeItsOwnTarget(t *testing.T) {
	port, err := freePort()
	require.NoError(t, err)
	for _, tc := range []struct{ target, addr string }{
		{"http://127.0.0.1:" + port, "127.0.0.1:" + port},
		{"http://localhost:" + port, "127.0.0.1:" + port},
		{"http://127.0.0.1:" + port + "/gateway", "localhost:" + port},
		{"http://[::1]:" + port, "127.0.0.1:" + port},
		{"http://127.0.0.1:" + port, "0.0.0.0:" + port},
		{"http://LOCALHOST:" + port, ":" + port},
	} {
		t.Run(tc.target+" "+tc.addr, func(t *testing.T) {
			code, _, stderr := conform(t, "proxy", "--target", tc.target, "--addr", tc.addr, "--duration", "1ms")
			require.Equal(t, exitUsage, code, stderr)
			require.Contains(t, stderr, "is the proxy itself")
			require.Contains(t, stderr, "Run 'conform proxy --help' for usage.")
		})
	}
	_, err = parseProxyFlags([]string{"--target", "http://127.0.0.1:" + port, "--addr", "127.0.0.1:0"}, io.Discard)
	require.NoError(t, err, "another port is another server")
}

func TestProxyChecksEveryReportPathAtStart(t *testing.T) {
	dir := t.TempDir()
	aFile := filepath.Join(dir, "file")
	require.NoError(t, os.WriteFile(aFile, nil, 0o644))
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"a --format file that is a directory", []string{"--format", "junit:" + dir}, []string{"--format junit: "}},
		{"a --report under a file", []string{"--report", filepath.Join(aFile, "r.html")}, []string{"--report: "}},
		{"a --coverage that is a directory", []string{"--coverage", dir}, []string{"--coverage: "}},
		{"every bad path is said", []string{"--format", "cucumber:" + filepath.Join(aFile, "c.json"), "--format", "junit:" + filepath.Join(dir, "ok.xml"), "--report", dir},
			[]string{"--format cucumber: ", "--report: "}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"proxy", "--target", "http://127.0.0.1:1", "--addr", "127.0.0.1:0", "--duration", "1ms"}, tc.args...)
			code, stdout, stderr := conform(t, args...)
			require.Equal(t, exitUsage, code, stderr)
			require.NotContains(t, stdout, "listening on", "refused before it serves")
			for _, w := range tc.want {
				require.Contains(t, stderr, w)
			}
			require.NoFileExists(t, filepath.Join(dir, "ok.xml"), "a check leaves no file behind")
		})
	}
}

func TestProxyWritesEveryOtherReportWhenOneFails(t *testing.T) {
	fake := liveFake(t, "alice", canary)
	dir := t.TempDir()
	path := func(name string) string { return filepath.Join(dir, name) }
	pr := startProxy(t, "--target", fake.URL, "--addr", "127.0.0.1:0",
		"--format", "junit:"+path("a.xml"), "--format", "cucumber:"+path("b.json"), "--format", "messages:"+path("c.ndjson"),
		"--report", path("d.html"), "--coverage", path("e.json"))
	status, _ := pr.through(t, http.MethodGet, "/exportStatuses/987654321")
	require.Equal(t, http.StatusNotFound, status)
	require.NoError(t, os.Mkdir(path("a.xml"), 0o755)) // the first report can no longer be written
	code := pr.end(t)
	stderr := pr.stderr.String()
	require.Equal(t, exitInternal, code, stderr)
	require.Contains(t, stderr, "reports not written (the others were): write report "+path("a.xml"))
	for _, name := range []string{"b.json", "c.ndjson", "d.html", "e.json"} {
		info, err := os.Stat(path(name))
		require.NoError(t, err, "%s is written all the same", name)
		require.Positive(t, info.Size(), name)
	}
}
