package openapi

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
)

// pathTemplate is one path of the spec split at its slashes, with the router's route for each
// of its operations. Matching one costs a walk over the request path; the router's regular
// expressions cost more than validating the request that follows.
type pathTemplate struct {
	segments []string                  // literal text, or "" for a parameter
	names    []string                  // the parameter's name per segment, "" for a literal
	routes   map[string]*routers.Route // by method; shared and read-only
}

// compilePaths turns the spec's paths into templates, in the order the router tries them, with
// the router's own route for every operation, so that both answer the same. It returns nil,
// which means "use the router", when a path has a form the templates do not match exactly as
// the router does (a parameter inside a segment, a pattern, an empty segment, a literal that
// would need escaping) or when the router disagrees on any operation.
func compilePaths(doc *openapi3.T, router routers.Router) []pathTemplate {
	var out []pathTemplate
	for _, path := range doc.Paths.InMatchingOrder() {
		if !strings.HasPrefix(path, "/") {
			return nil
		}
		segs := strings.Split(path[1:], "/")
		t := pathTemplate{segments: make([]string, len(segs)), names: make([]string, len(segs)), routes: map[string]*routers.Route{}}
		sample := make([]string, len(segs))
		for i, seg := range segs {
			switch {
			case seg == "":
				return nil
			case strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}"):
				name := seg[1 : len(seg)-1]
				if name == "" || strings.ContainsAny(name, "{}:*") {
					return nil
				}
				t.names[i] = name
				sample[i] = "x"
			case strings.ContainsAny(seg, "{}") || url.PathEscape(seg) != seg:
				return nil
			default:
				t.segments[i] = seg
				sample[i] = seg
			}
		}
		item := doc.Paths.Value(path)
		for method, op := range item.Operations() {
			u := &url.URL{Path: "/" + strings.Join(sample, "/")}
			route, _, err := router.FindRoute(&http.Request{Method: method, URL: u, Header: http.Header{}})
			if err != nil || route.Path != path || route.Operation != op {
				return nil
			}
			t.routes[method] = route
		}
		out = append(out, t)
	}
	return out
}

// match reports whether rel, an escaped path starting with "/", has the template's shape, and
// returns its parameters as the router does: the escaped text of each parameter segment.
func (t *pathTemplate) match(rel string) (map[string]string, bool) {
	if !strings.HasPrefix(rel, "/") {
		return nil, false
	}
	rest := rel[1:]
	var n int // parameters seen
	for i, lit := range t.segments {
		seg, after, more := strings.Cut(rest, "/")
		last := i == len(t.segments)-1
		if more == last {
			return nil, false // too many segments, or too few
		}
		if t.names[i] != "" {
			if seg == "" {
				return nil, false
			}
			n++
		} else if seg != lit {
			return nil, false
		}
		rest = after
	}
	params := make(map[string]string, n)
	rest = rel[1:]
	for _, name := range t.names {
		seg, after, _ := strings.Cut(rest, "/")
		if name != "" {
			params[name] = seg
		}
		rest = after
	}
	return params, true
}

// matchPaths finds the operation for method on rel among paths, with the router's errors.
func matchPaths(paths []pathTemplate, rel, method string) (*routers.Route, map[string]string, error) {
	for i := range paths {
		params, ok := paths[i].match(rel)
		if !ok {
			continue
		}
		route := paths[i].routes[method]
		if route == nil {
			return nil, nil, routers.ErrMethodNotAllowed
		}
		return route, params, nil
	}
	return nil, nil, routers.ErrPathNotFound
}
