package har

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"
)

// ErrTooLarge is the error of Content when a body, once decoded, is longer than the limit given.
var ErrTooLarge = errors.New("decoded body over the limit")

// NotDecodedError is the error of Content for a body still in a content coding it does not
// decode (br, zstd, ...): the body is not what the API sent, and must not be judged as it is.
type NotDecodedError struct {
	Encoding string // the coding, as the Content-Encoding header names it, in lower case
	Err      error  // why a body in a coding Content decodes could not be; nil for another coding
}

// Error says "not decoded: br", or "not decoded: gzip: unexpected EOF".
func (e *NotDecodedError) Error() string {
	if e.Err != nil {
		return "not decoded: " + e.Encoding + ": " + e.Err.Error()
	}
	return "not decoded: " + e.Encoding
}

// Unwrap returns why the body could not be decoded.
func (e *NotDecodedError) Unwrap() error { return e.Err }

// Content returns body, recorded with header h, as the API sent it before any content coding:
// body itself when h names no coding, or when the tool that wrote the file stored it decoded;
// else body decoded (gzip, x-gzip, deflate), and at most limit bytes of it, or ErrTooLarge. A
// coding it does not decode is a *NotDecodedError, and so is a body that is compressed and
// not a valid stream of its coding.
//
// The Content-Encoding header alone does not tell: browsers (Chrome, Firefox) store the text
// they decoded and keep the header as it came, while proxies and some tools (mitmproxy's
// "raw" export, a HAR written from a socket) store the bytes on the wire. So the body itself
// decides: gzip begins with its magic bytes 1f 8b, and text never does; deflate as HTTP means
// it (RFC 9110 §8.4.1.2) is a zlib stream, whose two-byte header is a multiple of 31, which
// JSON text ('{', '[', white space then a letter or a digit) never is; raw deflate, which some
// servers send instead, has no header at all, and is tried only on a body that is not UTF-8.
// For any other coding, a body that is UTF-8 text is taken as decoded, and one that is not is
// a *NotDecodedError: there is no brotli or zstd decoder among conform's dependencies.
func Content(h http.Header, body []byte, limit int64) ([]byte, error) {
	codings := contentCodings(h)
	if len(codings) == 0 || len(body) == 0 {
		return body, nil
	}
	if len(codings) > 1 {
		// Two codings one over the other ("gzip, br") are rare enough not to be undone here.
		if utf8.Valid(body) {
			return body, nil
		}
		return nil, &NotDecodedError{Encoding: strings.Join(codings, ", ")}
	}
	var r io.Reader
	switch coding := codings[0]; coding {
	case "gzip", "x-gzip":
		if len(body) < 2 || body[0] != 0x1f || body[1] != 0x8b {
			return body, nil // stored decoded
		}
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, &NotDecodedError{Encoding: "gzip", Err: err}
		}
		r = zr
	case "deflate":
		switch {
		case len(body) >= 2 && body[0]&0x0f == 8 && (uint(body[0])<<8|uint(body[1]))%31 == 0:
			zr, err := zlib.NewReader(bytes.NewReader(body))
			if err != nil {
				return nil, &NotDecodedError{Encoding: "deflate", Err: err}
			}
			r = zr
		case utf8.Valid(body):
			return body, nil
		default:
			r = flate.NewReader(bytes.NewReader(body))
		}
	default:
		if utf8.Valid(body) {
			return body, nil
		}
		return nil, &NotDecodedError{Encoding: coding}
	}
	// Read through a limit: a few KB of gzip can stand for gigabytes (a "gzip bomb").
	out, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, &NotDecodedError{Encoding: codings[0], Err: err}
	}
	if int64(len(out)) > limit {
		return nil, ErrTooLarge
	}
	return out, nil
}

// contentCodings returns the codings that h's Content-Encoding names, in lower case and in the
// order they were applied, identity left out.
func contentCodings(h http.Header) []string {
	var codings []string
	for _, v := range h.Values("Content-Encoding") {
		for c := range strings.SplitSeq(v, ",") {
			if c = strings.ToLower(strings.TrimSpace(c)); c != "" && c != "identity" {
				codings = append(codings, c)
			}
		}
	}
	return codings
}
