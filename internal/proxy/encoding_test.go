package proxy

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/fakeserver"
	"github.com/conform-harness/conform/openapi"
)

// gzipping answers in gzip, as most servers do, when the request accepts it.
func gzipping(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			next.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		var b bytes.Buffer
		gz := gzip.NewWriter(&b)
		gz.Write(rec.Body.Bytes())
		gz.Close()
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.Code)
		w.Write(b.Bytes())
	})
}

// rawCall sends a request as a client that decodes nothing itself, with Accept-Encoding as
// given ("" for none), and returns the answer's bytes as they came.
func rawCall(t *testing.T, method, u, acceptEncoding, body string) (*http.Response, []byte) {
	t.Helper()
	req := newRequest(t, method, u, body)
	if acceptEncoding != "" {
		req.Header.Set("Accept-Encoding", acceptEncoding)
	}
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	defer client.CloseIdleConnections()
	return do(t, client, req)
}

func TestProxyJudgesTheDecodedBodyAndForwardsTheTargetsBytes(t *testing.T) {
	for _, tc := range []struct {
		name, acceptEncoding, wantEncoding string
	}{
		{"client asks for gzip", "gzip", "gzip"},
		{"client asks for gzip among others", "gzip, deflate, br", "gzip"},
		{"client asks for nothing", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := fakeserver.NewManualClock(time.Date(2022, 11, 29, 15, 21, 56, 0, time.UTC))
			fake := fakeserver.New(fakeserver.Options{Clock: clock, Username: user, Password: password,
				TableDuration: 2 * time.Second, CancelDelay: time.Second})
			var mu sync.Mutex
			var asked []string
			w := &wire{next: http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
				mu.Lock()
				asked = append(asked, r.Header.Get("Accept-Encoding"))
				mu.Unlock()
				gzipping(fake).ServeHTTP(rw, r)
			})}
			target := httptest.NewServer(w)
			defer target.Close()
			v, err := openapi.NewValidator()
			require.NoError(t, err)
			u, _ := url.Parse(target.URL)
			var lines []string
			p, err := New(Options{Target: u, Validator: v, Now: clock.Now, Log: func(l string) { lines = append(lines, l) }})
			require.NoError(t, err)
			front := httptest.NewServer(p)
			defer front.Close()
			root := front.URL + export.Root

			resp, body := rawCall(t, http.MethodPost, root+"/exportRequests", tc.acceptEncoding, `{"tables":{"items":[{"tableName":"SHIPMENT"}]}}`)
			requireSame(t, w.last(), resp, body)
			require.Equal(t, tc.wantEncoding, resp.Header.Get("Content-Encoding"))
			plain := body
			if tc.wantEncoding == "gzip" {
				gz, err := gzip.NewReader(bytes.NewReader(body))
				require.NoError(t, err)
				plain, err = io.ReadAll(gz)
				require.NoError(t, err)
			}
			var created export.Status
			require.NoError(t, json.Unmarshal(plain, &created))
			clock.Advance(time.Second)
			resp, body = rawCall(t, http.MethodGet, root+"/exportStatuses/"+string(created.RequestID()), tc.acceptEncoding, "")
			requireSame(t, w.last(), resp, body)

			mu.Lock()
			defer mu.Unlock()
			require.Equal(t, []string{tc.acceptEncoding, tc.acceptEncoding}, asked, "the proxy asks for the encoding its client asked for, and no other")
			require.Empty(t, lines, "a conforming answer is no violation, compressed or not")
			require.Zero(t, p.Violations())
			for _, ex := range p.Exchanges() {
				require.NoError(t, ex.Err)
				require.True(t, json.Valid(ex.RespBody), "the reports keep the decoded body")
			}
		})
	}
}

func TestProxyBoundsWhatAGzipBombCosts(t *testing.T) {
	const inflated = 64 << 20
	var bomb bytes.Buffer
	gz, _ := gzip.NewWriterLevel(&bomb, gzip.BestCompression)
	_, err := io.Copy(gz, io.LimitReader(zeros{}, inflated))
	require.NoError(t, err)
	require.NoError(t, gz.Close())
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(bomb.Bytes())
	}))
	defer target.Close()
	v, err := openapi.NewValidator()
	require.NoError(t, err)
	u, _ := url.Parse(target.URL)
	const max = 1 << 20
	p, err := New(Options{Target: u, Validator: v, MaxBodyBytes: max})
	require.NoError(t, err)
	front := httptest.NewServer(p)
	defer front.Close()

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	resp, body := rawCall(t, http.MethodGet, front.URL+export.Root+"/exportStatuses/1", "gzip", "")
	runtime.ReadMemStats(&after)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, bomb.Bytes(), body, "the client gets the target's bytes")
	require.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(16<<20), "decoding stops at --max-response-bytes")
	ex := p.Exchanges()
	require.Len(t, ex, 1)
	require.ErrorContains(t, ex[0].Err, "decodes to more than 1048576 bytes")
	require.Zero(t, p.Violations(), "what is not judged is no violation")
}

func TestProxySaysAnEncodingItCannotDecode(t *testing.T) {
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Encoding", "br")
		w.Write([]byte{0x1b, 0x02, 0x00})
	}))
	defer target.Close()
	v, err := openapi.NewValidator()
	require.NoError(t, err)
	u, _ := url.Parse(target.URL)
	p, err := New(Options{Target: u, Validator: v})
	require.NoError(t, err)
	front := httptest.NewServer(p)
	defer front.Close()
	_, body := rawCall(t, http.MethodGet, front.URL+export.Root+"/exportStatuses/1", "br", "")
	require.Equal(t, []byte{0x1b, 0x02, 0x00}, body)
	ex := p.Exchanges()
	require.Len(t, ex, 1)
	require.ErrorContains(t, ex[0].Err, `encoded as "br", which the proxy cannot decode`)
	require.Zero(t, p.Violations(), "compressed bytes are not judged as JSON")
}

type zeros struct{}

func (zeros) Read(b []byte) (int, error) {
	clear(b)
	return len(b), nil
}

func TestDecodeBody(t *testing.T) {
	const doc = `{"requestId":"1"}`
	encode := func(w func(io.Writer) io.WriteCloser) []byte {
		var b bytes.Buffer
		c := w(&b)
		io.WriteString(c, doc)
		c.Close()
		return b.Bytes()
	}
	gz := encode(func(w io.Writer) io.WriteCloser { return gzip.NewWriter(w) })
	zl := encode(func(w io.Writer) io.WriteCloser { return zlib.NewWriter(w) })
	raw := encode(func(w io.Writer) io.WriteCloser { f, _ := flate.NewWriter(w, flate.DefaultCompression); return f })
	for _, tc := range []struct {
		name, encoding string
		body           []byte
		wantErr        string
	}{
		{"none", "", []byte(doc), ""},
		{"identity", "identity", []byte(doc), ""},
		{"gzip", "gzip", gz, ""},
		{"x-gzip, any case", "X-Gzip", gz, ""},
		{"deflate as RFC 9110 says (zlib)", "deflate", zl, ""},
		{"deflate as some servers send it (raw)", "deflate", raw, ""},
		{"brotli", "br", []byte{1, 2, 3}, `encoded as "br", which the proxy cannot decode`},
		{"two encodings", "gzip, gzip", gz, "cannot decode"},
		{"gzip that is not", "gzip", []byte(doc), "the gzip body cannot be decoded"},
		{"gzip cut short", "gzip", gz[:len(gz)/2], "the gzip body cannot be decoded"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{"Content-Type": {"application/json"}, "Content-Length": {"99"}}
			if tc.encoding != "" {
				h.Set("Content-Encoding", tc.encoding)
			}
			got, gotHeader, err := decodeBody(h, tc.body, 1<<10)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, doc, string(got))
			if tc.encoding != "identity" {
				require.Empty(t, gotHeader.Get("Content-Encoding"), "the header judged says the body is decoded")
			}
			require.Equal(t, tc.encoding, h.Get("Content-Encoding"), "the target's header, forwarded, is untouched")
		})
	}
}
