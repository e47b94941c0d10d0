package main

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/internal/har"
)

// rewriteTraffic writes a HAR file, name in dir, of traffic written by writeTraffic (2 export
// requests of 5 entries) with each entry changed by change.
func rewriteTraffic(tb testing.TB, dir, name string, change func(*har.Entry)) string {
	tb.Helper()
	src, _ := writeTraffic(tb, tb.TempDir(), 2, 1)
	entries, err := har.ReadFile(src)
	require.NoError(tb, err)
	for i := range entries {
		change(&entries[i])
	}
	var buf bytes.Buffer
	require.NoError(tb, har.Write(&buf, har.Creator{Name: "test", Version: "1"}, entries, nil))
	path := filepath.Join(dir, name)
	require.NoError(tb, os.WriteFile(path, buf.Bytes(), 0o644))
	return path
}

func gzipBytes(tb testing.TB, b []byte) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, err := zw.Write(b)
	require.NoError(tb, err)
	require.NoError(tb, zw.Close())
	return buf.Bytes()
}

// A HAR may keep a gzipped answer as the bytes on the wire (base64), or, as browsers do, as the
// decoded text with the Content-Encoding header still there: both are judged as the JSON the
// target sent.
func TestAuditDecodesCompressedBodies(t *testing.T) {
	dir := t.TempDir()
	compress := func(e *har.Entry) {
		if len(e.RespBody) > 0 {
			e.RespBody = gzipBytes(t, e.RespBody)
			e.RespHeader.Set("Content-Encoding", "gzip")
		}
	}
	tests := []struct {
		name   string
		change func(*har.Entry)
		code   int
		stderr string
	}{
		{"gzip stored compressed, base64", compress, exitPass, "10 exchange(s) of 2 export request(s): no violation"},
		{"gzip stored decoded, header kept", func(e *har.Entry) {
			if len(e.RespBody) > 0 {
				e.RespHeader.Set("Content-Encoding", "gzip")
			}
		}, exitPass, "10 exchange(s) of 2 export request(s): no violation"},
		{"br stored compressed", func(e *har.Entry) {
			if len(e.RespBody) > 0 && e.Method == "POST" {
				e.RespBody = append([]byte{0x8b, 0xff}, e.RespBody...) // not UTF-8, as brotli is not
				e.RespHeader.Set("Content-Encoding", "br")
			}
		}, exitPass, "; 2 with a body not decoded: br, not judged"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := rewriteTraffic(t, dir, "traffic.har", tc.change)
			code, out, errOut := conform(t, "audit", path)
			require.Equal(t, tc.code, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
			require.Contains(t, errOut, tc.stderr)
		})
	}
}

// A gzipped body is bounded by its decoded size: a small file that decodes to more than
// --max-response-bytes is counted as too large, never decoded whole.
func TestAuditBoundsCompressedBodiesByTheirDecodedSize(t *testing.T) {
	dir := t.TempDir()
	path := rewriteTraffic(t, dir, "bomb.har", func(e *har.Entry) {
		if e.Method == "GET" && len(e.RespBody) > 0 {
			// A status document followed by 8 MiB of spaces: valid JSON, and 8 KB of gzip.
			e.RespBody = gzipBytes(t, append(e.RespBody, bytes.Repeat([]byte(" "), 8<<20)...))
			e.RespHeader.Set("Content-Encoding", "gzip")
		}
	})
	code, out, errOut := conform(t, "audit", "--max-response-bytes", "65536", path)
	require.Equal(t, exitPass, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	require.Contains(t, errOut, "; 6 with a body over --max-response-bytes (65536) not judged")
}

// peakHeap runs f and returns the most heap, in bytes, that live and unswept objects took
// while it ran, above what they took before, sampled every millisecond.
func peakHeap(tb testing.TB, f func()) uint64 {
	tb.Helper()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 {
		metrics.Read(sample)
		return sample[0].Value.Uint64()
	}
	runtime.GC()
	before := read()
	var peak atomic.Uint64
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			peak.Store(max(peak.Load(), read()))
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	f()
	close(stop)
	<-done
	peak.Store(max(peak.Load(), read()))
	return peak.Load() - min(before, peak.Load())
}

// An audit holds a few entries at a time, not the file: four times the entries (the same 500
// export requests, polled four times as often) take no more memory than a fixed budget more.
func TestAuditMemoryDoesNotGrowWithTheEntries(t *testing.T) {
	if testing.Short() {
		t.Skip("auditing 50,000 entries is for a full run")
	}
	audit := func(polls int) (uint64, int) {
		path, n := writeTraffic(t, t.TempDir(), 500, polls)
		peak := peakHeap(t, func() {
			code, _, errOut := conform(t, "audit", path)
			require.Equal(t, exitPass, code, errOut)
		})
		return peak, n
	}
	small, n := audit(16)
	large, n4 := audit(4*20 - 4)
	require.Equal(t, 4*n, n4)
	t.Logf("peak heap: %.1f MB auditing %d entries, %.1f MB auditing %d", float64(small)/(1<<20), n, float64(large)/(1<<20), n4)
	require.Less(t, large, small+16<<20, "%d entries took %.1f MB more than %d", n4, float64(large-min(small, large))/(1<<20), n)
}

// A body over --max-response-bytes is counted from its length in the file: the entry is read
// once into a buffer of its length, and the body neither decoded nor copied. A 64 MiB body
// takes about 64 MiB, not the three or four times of a buffer grown and copied.
func TestAuditSkipsAnOversizedBodyWithoutCopyingIt(t *testing.T) {
	if testing.Short() {
		t.Skip("a 64 MiB body is for a full run")
	}
	const size = 64 << 20
	dir := t.TempDir()
	done := false
	path := rewriteTraffic(t, dir, "big.har", func(e *har.Entry) {
		if !done && e.Method == "GET" {
			e.RespBody = bytes.Repeat([]byte("x"), size)
			done = true
		}
	})
	peak := peakHeap(t, func() {
		code, _, errOut := conform(t, "audit", path)
		require.Equal(t, exitPass, code, errOut)
		require.Contains(t, errOut, "; 1 with a body over --max-response-bytes (4194304) not judged")
	})
	t.Logf("peak heap auditing a file with one %d MB body: %.1f MB", size>>20, float64(peak)/(1<<20))
	require.Less(t, peak, uint64(size+size/2))
}
