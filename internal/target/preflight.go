package target

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/internal/credentials"
	"github.com/conform-harness/conform/internal/transport"
)

// PreflightID is asked for before anything else: no real request has it, so the export API
// answers 404 with an error document, and any answer shows whether the target is there, is the
// export API, and takes the credentials.
const PreflightID = "conform-preflight-check"

// preflightBodyLimit bounds how much of the preflight's answer is read: enough to tell an error
// document from a web page, and no more from a target that may be hostile.
const preflightBodyLimit = 64 << 10

// preflight asks t for the status of PreflightID, with the credentials, and makes sure the
// answer comes from the export API: a 404 with an error document (or a 5xx, which the scenarios
// will report). It follows no redirect. The target's own words in an error are redacted.
func preflight(ctx context.Context, t *Target) error {
	u, err := export.PathOf(t.Root, export.CallStatus, PreflightID)
	if err != nil {
		return &ConfigError{Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, export.CallStatus.Method(), u, nil)
	if err != nil {
		return &ConfigError{Err: err}
	}
	req.Header.Set("Accept", "application/json")
	if err := t.Auth.Authenticate(req); err != nil {
		var rejected *credentials.RejectedError
		var unreachable *credentials.UnreachableError
		switch {
		case errors.As(err, &rejected):
			return &Error{Kind: Rejected, Err: err}
		case errors.As(err, &unreachable):
			return &Error{Kind: Unreachable, Err: err}
		}
		// The token endpoint answered, but gave no token: not "unreachable".
		return &Error{Kind: Credentials, Err: err}
	}
	resp, err := transport.APIClient(t.Transport).Do(req)
	if err != nil {
		return &Error{Kind: Unreachable, Err: fmt.Errorf("cannot reach the target %s: %w", t.Root, err)}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, preflightBodyLimit))
	if err != nil {
		return &Error{Kind: Unreachable, Err: fmt.Errorf("cannot reach the target %s: read the answer: %w", t.Root, err)}
	}
	if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
		return &Error{Kind: Rejected, Err: fmt.Errorf("the target %s rejects the credentials: it answered %d %s",
			t.Root, resp.StatusCode, http.StatusText(resp.StatusCode))}
	}
	if problem := notTheAPI(resp, body, t.Redactor); problem != "" {
		return &Error{Kind: NotTheAPI, Err: fmt.Errorf("this does not look like the export API at %s: %s", t.Root, problem)}
	}
	return nil
}

// notTheAPI says why the preflight's answer cannot come from the export API, or "" when it may.
// The export API answers the status of an id no request has with 404 and an error document;
// a redirect, a success, a web page or a bare 404 come from something else (a wrong path, a
// static file server, a login portal).
func notTheAPI(resp *http.Response, body []byte, red *credentials.Redactor) string {
	status := fmt.Sprintf("%d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	switch {
	case resp.StatusCode/100 == 3:
		return fmt.Sprintf("it answered %s, a redirect to %q; conform follows no redirect (credentials must not go elsewhere): "+
			"give the address the API answers at as --base-url", status, red.String(resp.Header.Get("Location")))
	case htmlPage(resp.Header.Get("Content-Type"), body):
		return fmt.Sprintf("it answered %s with a web page (%s), not JSON", status, mediaType(resp.Header.Get("Content-Type")))
	case resp.StatusCode/100 == 2:
		return fmt.Sprintf("it answered %s to the status of %q, an id no export request can have; the export API answers 404", status, PreflightID)
	case resp.StatusCode == http.StatusNotFound && !jsonObject(body):
		return fmt.Sprintf("it answered %s without an error document (%s), as a server answers for a path it does not have; "+
			"check the path of --base-url (the API root is %s)", status, mediaType(resp.Header.Get("Content-Type")), export.Root)
	}
	return ""
}

// htmlPage reports whether an answer is a web page: declared as HTML, or starting like one.
func htmlPage(contentType string, body []byte) bool {
	switch strings.ToLower(mediaType(contentType)) {
	case "text/html", "application/xhtml+xml":
		return true
	}
	trimmed := bytes.TrimLeft(body, " \t\r\n\ufeff")
	return len(trimmed) > 0 && trimmed[0] == '<'
}

// mediaType is the media type of a Content-Type value, without parameters; "no Content-Type"
// when there is none.
func mediaType(contentType string) string {
	mt, _, _ := strings.Cut(contentType, ";")
	if mt = strings.TrimSpace(mt); mt == "" {
		return "no Content-Type"
	}
	return mt
}

// jsonObject reports whether b is one well-formed JSON object.
func jsonObject(b []byte) bool {
	var v map[string]any
	return json.Unmarshal(b, &v) == nil && v != nil
}
