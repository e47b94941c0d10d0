package har

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func gzipped(tb testing.TB, b []byte) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, err := zw.Write(b)
	require.NoError(tb, err)
	require.NoError(tb, zw.Close())
	return buf.Bytes()
}

func TestContentDecodesWhatIsStillCompressed(t *testing.T) {
	doc := []byte(`{"progress":"pending","completed":false}`)
	var zl, raw bytes.Buffer
	zw := zlib.NewWriter(&zl)
	_, _ = zw.Write(doc)
	require.NoError(t, zw.Close())
	fw, _ := flate.NewWriter(&raw, flate.BestCompression)
	_, _ = fw.Write(doc)
	require.NoError(t, fw.Close())
	binary := []byte{0x8b, 0xff, 0x00, 0xc3, 0x28} // no UTF-8: still encoded

	tests := []struct {
		name     string
		encoding string
		body     []byte
		want     []byte
		err      string
	}{
		{"no coding", "", doc, doc, ""},
		{"gzip on the wire", "gzip", gzipped(t, doc), doc, ""},
		{"gzip, stored decoded by a browser", "gzip", doc, doc, ""},
		{"x-gzip", "X-Gzip", gzipped(t, doc), doc, ""},
		{"deflate as zlib", "deflate", zl.Bytes(), doc, ""},
		{"raw deflate", "deflate", raw.Bytes(), doc, ""},
		{"deflate, stored decoded", "deflate", doc, doc, ""},
		{"br, stored decoded", "br", doc, doc, ""},
		{"br on the wire", "br", binary, nil, "not decoded: br"},
		{"two codings on the wire", "gzip, br", binary, nil, "not decoded: gzip, br"},
		{"identity", "identity", doc, doc, ""},
		{"gzip cut short", "gzip", gzipped(t, doc)[:20], nil, "not decoded: gzip: unexpected EOF"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			if tc.encoding != "" {
				h.Set("Content-Encoding", tc.encoding)
			}
			got, err := Content(h, tc.body, 1<<20)
			if tc.err != "" {
				require.EqualError(t, err, tc.err)
				var nd *NotDecodedError
				require.ErrorAs(t, err, &nd)
				return
			}
			require.NoError(t, err)
			require.Equal(t, string(tc.want), string(got))
		})
	}
}

// A few KB of gzip that stand for 16 MiB are refused at the limit, by their decoded size.
func TestContentBoundsAGzipBomb(t *testing.T) {
	bomb := gzipped(t, make([]byte, 16<<20))
	require.Less(t, len(bomb), 64<<10)
	h := http.Header{"Content-Encoding": {"gzip"}}
	_, err := Content(h, bomb, 1<<20)
	require.ErrorIs(t, err, ErrTooLarge)
	got, err := Content(h, bomb, 16<<20)
	require.NoError(t, err)
	require.Len(t, got, 16<<20)
}
