// Package openapi holds the OpenAPI 3 description of the export-request API that conform checks,
// embedded in the binary, and a validator that checks one HTTP exchange against it, or against
// another spec of the same API, with kin-openapi's router and openapi3filter.
package openapi

import (
	"context"
	_ "embed"
	"fmt"
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

func parse(b []byte) (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(b)
	if err != nil {
		return nil, fmt.Errorf("load spec: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("validate spec: %w", err)
	}
	return doc, nil
}
