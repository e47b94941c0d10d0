// Package mediatype says what a media type names: for the code that writes attachments into a
// Cucumber Messages stream and the report that reads them back (both must agree on which
// attachments are text), and for the validator and the load (both must agree on which answers
// are JSON).
package mediatype

import (
	"errors"
	"mime"
	"strings"
)

// IsText reports whether a body of this media type is text a person can read as it is: any
// text/* type, JSON and XML (application/json, application/xml, and any type with the
// structured syntax suffix +json or +xml of RFC 6839, such as
// application/vnd.conform.breach+json or image/svg+xml). Media types are case-insensitive
// (RFC 2045), and parameters do not matter here, even malformed ones; a media type whose type
// and subtype do not parse is not text. Whether the bytes are valid UTF-8 is the caller's to
// check.
func IsText(mediaType string) bool {
	mt, _, err := mime.ParseMediaType(mediaType)
	if err != nil && !errors.Is(err, mime.ErrInvalidMediaParameter) {
		return false
	}
	typ, sub, _ := strings.Cut(mt, "/")
	switch {
	case typ == "text", sub == "json", sub == "xml":
		return true
	}
	return strings.HasSuffix(sub, "+json") || strings.HasSuffix(sub, "+xml")
}

// IsJSON reports whether a Content-Type names JSON as the export API may send it:
// application/json, or any application/*+json type (RFC 6839) such as the vendor's
// application/vnd.oracle.resource+json, with any parameters (type=singular, charset=utf-8).
// Media types are case-insensitive.
func IsJSON(contentType string) bool {
	mt, _, _ := strings.Cut(contentType, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	typ, sub, _ := strings.Cut(mt, "/")
	return typ == "application" && (sub == "json" || strings.HasSuffix(sub, "+json"))
}
