// Package openapi holds the OpenAPI 3 description of the export-request API that conform checks,
// embedded in the binary, and a validator that checks one HTTP exchange against it, or against
// another spec of the same API, with kin-openapi's router and openapi3filter.
//
// Another spec is the user's (LoadFile: OpenAPI 3.0 or 3.1, JSON or YAML), the embedded or the
// user's spec changed by OpenAPI Overlays (ApplyOverlays), or both: Effective is the one entry
// point, and it checks that the result describes the API's three calls (Calls). A file that
// does not load is a *SpecError, which names the file, the line and the JSON pointer.
package openapi

import (
	_ "embed"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
)

//go:embed export-api.yaml
var specYAML []byte

// Spec returns the embedded spec as YAML, exactly as shipped.
func Spec() []byte {
	out := make([]byte, len(specYAML))
	copy(out, specYAML)
	return out
}

// loadOnce parses and validates the embedded spec once per process: the parsed document is only
// read afterwards, and loading it per validator would cost every scenario a parse.
var loadOnce = sync.OnceValues(func() (*openapi3.T, error) {
	return parse(specYAML)
})

// Load returns the embedded spec, parsed and validated. The document is shared: treat it as
// read-only.
func Load() (*openapi3.T, error) {
	return loadOnce()
}

// parse loads and validates the embedded spec as LoadFile loads a file.
func parse(b []byte) (*openapi3.T, error) {
	return loadBytes("", b)
}
