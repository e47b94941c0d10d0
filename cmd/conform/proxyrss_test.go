package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/fakeserver"
)

// TestProxyRSSOfManyIDs is the load generator behind BENCHMARKS.md's "conform proxy: memory per
// export request": it runs the conform binary named by CONFORM_PROXY_BIN as a proxy with
// --max-exchanges 1 in front of the fake on 127.0.0.1, sends CONFORM_PROXY_IDS distinct export
// requests through it (each created; every other one then asked for once it completed), and
// logs the proxy's VmRSS and VmHWM (/proc/PID/status) as it goes. Without both variables it is
// skipped: it is a measurement, not a test of the build.
//
//	go build -o /tmp/conform ./cmd/conform
//	CONFORM_PROXY_BIN=/tmp/conform CONFORM_PROXY_IDS=200000 go test ./cmd/conform -run TestProxyRSSOfManyIDs -v -timeout 30m
func TestProxyRSSOfManyIDs(t *testing.T) {
	bin, ids := os.Getenv("CONFORM_PROXY_BIN"), os.Getenv("CONFORM_PROXY_IDS")
	if bin == "" || ids == "" {
		t.Skip("set CONFORM_PROXY_BIN and CONFORM_PROXY_IDS to measure the proxy's memory")
	}
	n, err := strconv.Atoi(ids)
	require.NoError(t, err)
	fake := httptest.NewServer(fakeserver.New(fakeserver.Options{TableDuration: time.Millisecond, CancelDelay: time.Millisecond,
		Username: "alice", Password: canary}))
	t.Cleanup(fake.Close)

	cmd := exec.Command(bin, append([]string{"proxy", "--target", fake.URL, "--addr", "127.0.0.1:0", "--max-exchanges", "1"},
		strings.Fields(os.Getenv("CONFORM_PROXY_ARGS"))...)...)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr syncBuffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err, stderr.String())
	m := listeningRe.FindStringSubmatch(line)
	require.NotNil(t, m, line)
	root := m[1]
	go io.Copy(io.Discard, stdout)

	mem := func() string {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid))
		require.NoError(t, err)
		var out []string
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "VmRSS:") || strings.HasPrefix(l, "VmHWM:") {
				out = append(out, strings.Join(strings.Fields(l), " "))
			}
		}
		return strings.Join(out, ", ")
	}
	t.Logf("at start: %s", mem())

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	do := func(method, u, body string) []byte {
		req, err := http.NewRequest(method, u, strings.NewReader(body))
		require.NoError(t, err)
		req.SetBasicAuth("alice", canary)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := client.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.Less(t, resp.StatusCode, 300, "%s %s: %s", method, u, b)
		return b
	}
	const workers = 4
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(n) {
					return
				}
				b := do(http.MethodPost, root+"/exportRequests", `{"tables":{"items":[{"tableName":"SHIPMENT"}]}}`)
				if i%2 == 0 {
					var doc export.Status
					require.NoError(t, json.Unmarshal(b, &doc))
					id := doc.Result.Body.RequestID
					for { // asked until it completed, as a client polls
						var st export.Status
						require.NoError(t, json.Unmarshal(do(http.MethodGet, root+"/exportStatuses/"+string(id), ""), &st))
						if st.Completed {
							break
						}
					}
				}
				if i%(int64(n)/4) == 0 {
					t.Logf("after %d ids (%s): %s", i, time.Since(start).Round(time.Second), mem())
				}
			}
		}()
	}
	wg.Wait()
	t.Logf("after %d ids: %s", n, mem())
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	cmd.Wait()
	for _, l := range strings.Split(stderr.String(), "\n") {
		if strings.Contains(l, "stopped by") || strings.Contains(l, "no longer followed") {
			t.Log(l)
		}
	}
}
