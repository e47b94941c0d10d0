package main

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"conform/internal/har"
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
