package proxy

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// errTooLarge marks a body, as sent or once decoded, that is larger than MaxBodyBytes: forwarded,
// not judged.
var errTooLarge = errors.New("too large to judge")

// decodeBody returns the body the spec describes: raw as the target sent it, decoded from its
// Content-Encoding (gzip, deflate), with a header that says the same, so that a compressed
// answer is judged as what it carries, never as JSON made of compressed bytes. The decoded body
// is read up to max bytes only, whatever the encoding claims: a small answer that inflates to
// gigabytes (a gzip bomb) costs max bytes, and is errTooLarge. An encoding the proxy cannot
// decode (br, zstd, several in a row) is an error: that answer is not judged. raw is never
// changed: the client gets it as the target sent it.
func decodeBody(header http.Header, raw []byte, max int64) ([]byte, http.Header, error) {
	enc := strings.ToLower(strings.TrimSpace(header.Get("Content-Encoding")))
	if enc == "" || enc == "identity" {
		return raw, header, nil
	}
	var r io.Reader
	switch enc {
	case "gzip", "x-gzip":
		gz, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, nil, fmt.Errorf("the %s body cannot be decoded: %w", enc, err)
		}
		r = gz
	case "deflate":
		// RFC 9110 deflate is zlib-wrapped; some servers send raw DEFLATE, which browsers
		// accept too.
		if z, err := zlib.NewReader(bytes.NewReader(raw)); err == nil {
			r = z
		} else {
			r = flate.NewReader(bytes.NewReader(raw))
		}
	default:
		return nil, nil, fmt.Errorf("the body is encoded as %q, which the proxy cannot decode", header.Get("Content-Encoding"))
	}
	decoded, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, nil, fmt.Errorf("the %s body cannot be decoded: %w", enc, err)
	}
	if int64(len(decoded)) > max {
		return nil, nil, fmt.Errorf("%w: the %s body decodes to more than %d bytes", errTooLarge, enc, max)
	}
	h := header.Clone()
	h.Del("Content-Encoding")
	h.Del("Content-Length")
	return decoded, h, nil
}
