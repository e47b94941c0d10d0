package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/export"
)

// countingTarget is a target that counts the requests that reach it and answers each 400.
func countingTarget(t testing.TB) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		io.Copy(io.Discard, r.Body)
		http.Error(w, `{"error":"no"}`, http.StatusBadRequest)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// dialProxy opens a raw connection to the proxy pr, closed when the test ends.
func dialProxy(t testing.TB, pr *proxyRun) net.Conn {
	t.Helper()
	u, err := url.Parse(pr.url)
	require.NoError(t, err)
	conn, err := net.Dial("tcp", u.Host)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	return conn
}

// waitFor polls, with a deadline, until the proxy's stderr says want.
func waitFor(t testing.TB, pr *proxyRun, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(pr.stderr.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("the proxy did not say %q\nstderr:\n%s", want, pr.stderr)
		}
		select {
		case <-time.After(10 * time.Millisecond): // polling with a deadline
		}
	}
}

// TestProxyCutsOffAClientThatDribblesItsBody sends a body of 100,000 bytes one byte every 10 ms
// (some 17 minutes): the proxy cuts it off at --read-timeout, whatever it still sends, says so,
// and forwards nothing.
func TestProxyCutsOffAClientThatDribblesItsBody(t *testing.T) {
	target, hits := countingTarget(t)
	pr := startProxy(t, "--target", target.URL, "--addr", "127.0.0.1:0", "--read-timeout", "300ms")
	conn := dialProxy(t, pr)
	_, err := fmt.Fprintf(conn, "POST %s/exportRequests HTTP/1.1\r\nHost: proxy\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{", export.Root)
	require.NoError(t, err)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if _, err := conn.Write([]byte(" ")); err != nil {
					return
				}
			}
		}
	}()

	// The proxy answers or closes the connection well before the body would be complete.
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(10*time.Second)))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	var ne net.Error
	require.False(t, errors.As(err, &ne) && ne.Timeout(), "the dribbling client was not cut off: %v", err)
	if err == nil {
		resp.Body.Close()
		require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	}
	waitFor(t, pr, "conform proxy: client: POST "+export.Root+"/exportRequests: the request body could not be read")
	require.Equal(t, exitPass, pr.end(t), "a client's slowness is not the target's violation")
	require.Contains(t, stoppedLine(pr.stderr.String()), "; 1 request(s) whose body the client did not send within --read-timeout, or cut, answered 400, not forwarded")
	require.Zero(t, hits.Load(), "nothing was forwarded")
}

// TestProxyAnswers413WithoutReadingTheWholeBody sends bodies over the default
// --max-request-bytes (1 MiB): one announced by its Content-Length is refused before it is read,
// one chunked is refused once 1 MiB of it was read; neither is forwarded, nor read whole.
func TestProxyAnswers413WithoutReadingTheWholeBody(t *testing.T) {
	target, hits := countingTarget(t)
	pr := startProxy(t, "--target", target.URL, "--addr", "127.0.0.1:0")
	path := export.Root + "/exportRequests"

	t.Run("announced", func(t *testing.T) {
		conn := dialProxy(t, pr)
		// 100 MiB announced, 1 KB sent: the answer comes without the rest.
		_, err := fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: proxy\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
			path, 100<<20, strings.Repeat(" ", 1024))
		require.NoError(t, err)
		require.NoError(t, conn.SetReadDeadline(time.Now().Add(10*time.Second)))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
	})

	t.Run("chunked", func(t *testing.T) {
		conn := dialProxy(t, pr)
		_, err := fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: proxy\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n", path)
		require.NoError(t, err)
		// 1 GiB offered, in chunks of 64 KiB, until the proxy stops taking them.
		const chunk, offered = 64 << 10, 1 << 30
		var written atomic.Int64
		done := make(chan struct{})
		go func() {
			defer close(done)
			data := fmt.Appendf(nil, "%x\r\n%s\r\n", chunk, strings.Repeat(" ", chunk))
			for written.Load() < offered {
				if _, err := conn.Write(data); err != nil {
					return
				}
				written.Add(chunk)
			}
		}()
		require.NoError(t, conn.SetReadDeadline(time.Now().Add(10*time.Second)))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
		conn.Close()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("the client's writes did not end")
		}
		// What the kernel's socket buffers took is all that was sent: far from the whole body.
		require.Less(t, written.Load(), int64(64<<20), "the proxy stopped reading the body")
	})

	require.Equal(t, exitPass, pr.end(t))
	require.Contains(t, stoppedLine(pr.stderr.String()), "; 2 request(s) with a body over --max-request-bytes answered 413, not forwarded")
	require.Contains(t, pr.stderr.String(), "conform proxy: client: POST "+path+": the request body is larger than 1048576 bytes (--max-request-bytes): answered 413, not forwarded")
	require.Zero(t, hits.Load(), "nothing was forwarded")
}

// TestProxyJudgesAnUpgradeAndTunnelsNothing has a target answer 101 Switching Protocols and then
// hold the connection: the proxy judges the answer (a violation, logged), closes the target's
// connection, and answers the client 502 at once.
func TestProxyJudgesAnUpgradeAndTunnelsNothing(t *testing.T) {
	closed := make(chan struct{})
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		buf.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
		buf.Flush()
		io.Copy(io.Discard, conn) // until the proxy closes it
		close(closed)
	}))
	t.Cleanup(target.Close)
	pr := startProxy(t, "--target", target.URL, "--addr", "127.0.0.1:0")

	req, err := http.NewRequest(http.MethodGet, pr.url+"/exportStatuses/1", nil)
	require.NoError(t, err)
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "websocket")
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	require.NoError(t, err, "the client was answered")
	resp.Body.Close()
	require.Equal(t, http.StatusBadGateway, resp.StatusCode, "nothing was tunnelled")
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("the proxy held the target's switched connection")
	}
	require.Equal(t, exitFail, pr.end(t), "an undeclared answer is a violation")
	stderr := pr.stderr.String()
	require.Contains(t, stderr, `conform proxy: GET `+export.Root+`/exportStatuses/1: the target switched protocols (101, Upgrade: "websocket"), which the export API does not declare: not tunnelled`)
	require.Contains(t, stoppedLine(stderr), "violation(s)")
}

// TestProxySaysHowManyRequestsItStoppedFollowing sends 20 creates through a proxy that follows 5
// requests at once: the summary says that 15 were no longer followed, and what that costs.
func TestProxySaysHowManyRequestsItStoppedFollowing(t *testing.T) {
	fake := liveFake(t, "alice", canary)
	pr := startProxy(t, "--target", fake.URL, "--addr", "127.0.0.1:0", "--max-requests-followed", "5", "--max-exchanges", "1")
	for range 20 {
		status, _ := pr.send(t, http.MethodPost, "/exportRequests", `{"tables":{"items":[{"tableName":"SHIPMENT"}]}}`)
		require.Equal(t, http.StatusAccepted, status)
	}
	require.Equal(t, exitPass, pr.end(t), pr.stderr.String())
	require.Contains(t, pr.stderr.String(), "conform proxy: 15 export request(s) were no longer followed, to follow at most 5 at once (--max-requests-followed); a later document of one was judged without its history")
}

// TestProxyBoundsTheConnectionsOpenAtOnce holds the one connection --max-connections 1 allows
// with a body that never comes: a second client is accepted only once the first was cut off at
// --read-timeout, so by the time it is answered, the proxy has said so.
func TestProxyBoundsTheConnectionsOpenAtOnce(t *testing.T) {
	fake := liveFake(t, "alice", canary)
	pr := startProxy(t, "--target", fake.URL, "--addr", "127.0.0.1:0", "--max-connections", "1", "--read-timeout", "500ms")
	first := dialProxy(t, pr)
	_, err := fmt.Fprintf(first, "POST %s/exportRequests HTTP/1.1\r\nHost: proxy\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{", export.Root)
	require.NoError(t, err)
	client := &http.Client{Timeout: 10 * time.Second}
	req, err := http.NewRequest(http.MethodGet, pr.url+"/exportStatuses/1", nil)
	require.NoError(t, err)
	req.SetBasicAuth("alice", canary)
	resp, err := client.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Contains(t, pr.stderr.String(), "conform proxy: client: POST "+export.Root+"/exportRequests: the request body could not be read",
		"the second client waited for the first connection to be cut off")
	require.Equal(t, exitPass, pr.end(t), pr.stderr.String())
}
