package openapi

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"

	"github.com/conform-harness/conform/export"
)

// belowRoot returns a copy of doc whose paths are the paths below the API root (export.Root)
// and which has no servers, so that kin-openapi's router, which matches scheme, host and base
// path against servers, matches the path below the root alone, whatever doc says of where the
// API lives. The harness talks to any host (the fake on 127.0.0.1, a real cloud, a gateway
// that adds a prefix), and a spec may name the root in its servers, as a full URL
// ("https://host/logisticsRestApi/data/v1") or a path, not at all, or in every path key
// ("/logisticsRestApi/data/v1/exportStatuses/{requestID}"). Path items that name servers of
// their own are copied without them. doc itself is not changed: Load shares it.
//
// It fails when two path keys are one path below the root.
func belowRoot(doc *openapi3.T) (*openapi3.T, error) {
	out := *doc
	out.Servers = nil
	paths := openapi3.NewPathsWithCapacity(doc.Paths.Len())
	if doc.Paths != nil {
		paths.Extensions = doc.Paths.Extensions
		paths.Origin = doc.Paths.Origin
	}
	keyOf := make(map[string]string, doc.Paths.Len()) // path below the root → doc's key
	for key, item := range doc.Paths.Map() {
		rel := relPath(key)
		if other, ok := keyOf[rel]; ok {
			pair := []string{other, key}
			slices.Sort(pair)
			return nil, fmt.Errorf("paths %s and %s are one path below the API root %s", pair[0], pair[1], export.Root)
		}
		keyOf[rel] = key
		if len(item.Servers) > 0 {
			bare := *item
			bare.Servers = nil
			item = &bare
		}
		paths.Set(rel, item)
	}
	out.Paths = paths
	return &out, nil
}

// relPath returns a path key of a spec below the API root: without the root when it carries it
// ("/" for the root itself), else as it is.
func relPath(key string) string {
	if key == export.Root {
		return "/"
	}
	if rest, ok := strings.CutPrefix(key, export.Root+"/"); ok {
		return "/" + rest
	}
	return key
}

// route finds the operation for r with kin-openapi's router, and the path parameters as the
// router gives them: the escaped text of each. The path must contain the API root; whatever
// precedes it (a gateway prefix) is ignored, and what follows it is routed.
func (v *Validator) route(r *http.Request) (*routers.Route, map[string]string, error) {
	escaped := r.URL.EscapedPath()
	i := strings.Index(escaped, export.Root+"/")
	if i < 0 {
		return nil, nil, fmt.Errorf("path is not under the API root %s", export.Root)
	}
	rel := escaped[i+len(export.Root):]
	p, err := url.PathUnescape(rel)
	if err != nil {
		return nil, nil, fmt.Errorf("path %q: %w", rel, err)
	}
	// The router matches the escaped path (an escaped slash stays inside its segment); Path
	// is set too because URL.EscapedPath only trusts a RawPath that encodes it.
	u := url.URL{Path: p, RawPath: rel}
	route, params, err := v.router.FindRoute(&http.Request{Method: r.Method, URL: &u, Header: r.Header, Host: r.Host})
	switch {
	case errors.Is(err, routers.ErrMethodNotAllowed):
		return nil, nil, fmt.Errorf("the spec declares no %s operation on this path", r.Method)
	case errors.Is(err, routers.ErrPathNotFound):
		return nil, nil, fmt.Errorf("the spec declares no operation on this path")
	case err != nil:
		return nil, nil, fmt.Errorf("find operation: %w", err)
	}
	return route, params, nil
}

// unescaped returns the path parameters with their values unescaped ("a%2Fb" is "a/b"). A
// value that does not unescape, which a routed path cannot hold, is kept as it is.
func unescaped(params map[string]string) map[string]string {
	out := make(map[string]string, len(params))
	for name, raw := range params {
		if s, err := url.PathUnescape(raw); err == nil {
			out[name] = s
		} else {
			out[name] = raw
		}
	}
	return out
}
