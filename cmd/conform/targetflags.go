package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"conform/export"
	"conform/internal/credentials"
	"conform/internal/transport"
	"conform/steps"
)

// liveFlags are the flags of `conform run` that point it at a real endpoint.
type liveFlags struct {
	baseURL          string
	runningExport    string
	quickExport      string
	pollTimeout      time.Duration
	pollInterval     time.Duration
	requestTimeout   time.Duration
	retries          int
	maxRetryAfter    time.Duration
	maxResponseBytes int64
	caFile           string
	insecure         bool
	passwordFile     string
	tokenURL         string
	clientID         string
	clientSecretFile string
	scopes           stringList
}

// stringList collects a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// register adds every flag of a live `conform run`.
func (lf *liveFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&lf.baseURL, "base-url", "", "run against this endpoint instead of the bundled fake (also CONFORM_BASE_URL):\na host such as https://host, or the API root ending in "+export.Root)
	fs.StringVar(&lf.runningExport, "running-export", "", "`FILE` with the JSON body of an export that runs long enough to be cancelled\n(default: six tables; see the README)")
	fs.StringVar(&lf.quickExport, "quick-export", "", "`FILE` with the JSON body of an export that succeeds quickly (default: two tables)")
	fs.DurationVar(&lf.pollTimeout, "poll-timeout", steps.DefaultPollTimeout, "how long to wait for an export to reach the state a scenario needs (running with a\n"+
		"finished table, succeeded); a cancellation is given the features' 30s")
	fs.DurationVar(&lf.pollInterval, "poll-interval", 2*time.Second, "pause between two status polls")
	fs.IntVar(&lf.retries, "retries", 3, "retries of a status poll answered 429/502/503/504 or dropped (never of a create or cancel)")
	fs.DurationVar(&lf.maxRetryAfter, "max-retry-after", 30*time.Second, "the longest Retry-After honoured; a longer one ends the retries")
	fs.Int64Var(&lf.maxResponseBytes, "max-response-bytes", steps.DefaultMaxResponseBytes, "the largest response body read")
	lf.registerConnection(fs)
}

// registerConnection adds the flags that say how to reach a target and with which
// credentials: every command that talks to a target takes them alike.
func (lf *liveFlags) registerConnection(fs *flag.FlagSet) {
	fs.DurationVar(&lf.requestTimeout, "request-timeout", 30*time.Second, "timeout of one HTTP request, body included")
	fs.StringVar(&lf.caFile, "ca-file", "", "`PEM` file of CA certificates trusted besides the system's")
	fs.BoolVar(&lf.insecure, "insecure-skip-verify", false, "do not verify the target's TLS certificate (prints a warning)")
	fs.StringVar(&lf.passwordFile, "password-file", "", "`FILE` holding the HTTP Basic password (also CONFORM_PASSWORD_FILE; or CONFORM_PASSWORD)")
	fs.StringVar(&lf.tokenURL, "oauth2-token-url", "", "use OAuth2 client credentials from this token `URL` (also CONFORM_OAUTH2_TOKEN_URL)")
	fs.StringVar(&lf.clientID, "oauth2-client-id", "", "OAuth2 client id (also CONFORM_OAUTH2_CLIENT_ID)")
	fs.StringVar(&lf.clientSecretFile, "oauth2-client-secret-file", "", "`FILE` holding the OAuth2 client secret (also CONFORM_OAUTH2_CLIENT_SECRET_FILE;\nor CONFORM_OAUTH2_CLIENT_SECRET)")
	fs.Var(&lf.scopes, "oauth2-scope", "OAuth2 scope, repeatable (also CONFORM_OAUTH2_SCOPES)")
}

// checkDurations refuses a zero or negative duration: the transport and the arranger would read
// it as "use the default", and the run would go on with other timings than the ones asked for.
func (lf *liveFlags) checkDurations() error {
	for _, d := range []struct {
		flag  string
		value time.Duration
	}{
		{"--request-timeout", lf.requestTimeout},
		{"--poll-timeout", lf.pollTimeout},
		{"--poll-interval", lf.pollInterval},
		{"--max-retry-after", lf.maxRetryAfter},
	} {
		if d.value <= 0 {
			return fmt.Errorf("%s must be positive, got %s", d.flag, d.value)
		}
	}
	return nil
}

// liveOnly lists flags that mean nothing without a target, so using one alone is a mistake.
func (lf *liveFlags) liveOnly() string {
	switch {
	case lf.runningExport != "":
		return "--running-export"
	case lf.quickExport != "":
		return "--quick-export"
	case lf.caFile != "":
		return "--ca-file"
	case lf.insecure:
		return "--insecure-skip-verify"
	case lf.passwordFile != "":
		return "--password-file"
	case lf.tokenURL != "":
		return "--oauth2-token-url"
	case lf.clientID != "":
		return "--oauth2-client-id"
	case lf.clientSecretFile != "":
		return "--oauth2-client-secret-file"
	case len(lf.scopes) > 0:
		return "--oauth2-scope"
	}
	return ""
}

// targetError means the target could not be reached, refused the credentials, or is not the
// export API at all: exit 3.
type targetError struct {
	rejected bool // it refused the credentials
	notAPI   bool // it answered, but not as the export API does
	err      error
}

func (e *targetError) Error() string { return e.err.Error() }
func (e *targetError) Unwrap() error { return e.err }

// apiRoot turns what the user gave into the API root URL: a bare host gets the root appended,
// a URL that already ends with it is kept. Credentials in the URL are refused, so that they
// cannot end up in a report.
func apiRoot(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", fmt.Errorf("--base-url: %w", err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "", fmt.Errorf("--base-url %q: want an http:// or https:// URL", u.Redacted())
	case u.Host == "":
		return "", fmt.Errorf("--base-url %q: names no host", u.Redacted())
	case u.User != nil:
		return "", fmt.Errorf("--base-url %q: put credentials in CONFORM_USERNAME and CONFORM_PASSWORD, not in the URL", u.Redacted())
	case u.RawQuery != "" || u.Fragment != "":
		return "", fmt.Errorf("--base-url %q: must not have a query or a fragment", u.Redacted())
	}
	p := strings.TrimSuffix(u.Path, "/")
	if !strings.HasSuffix(p, export.Root) {
		p += export.Root
	}
	u.Path, u.RawPath = p, ""
	return u.String(), nil
}

// liveRun holds what a live run is built from.
type liveRun struct {
	root     string // the API root URL
	target   func(context.Context) (*steps.Target, error)
	redactor *credentials.Redactor
	describe string
}

// setUpLive checks the configuration, builds the transport and the credentials, and makes sure
// the target answers and accepts the credentials before any scenario runs.
func setUpLive(ctx context.Context, lf liveFlags, getenv func(string) string, stderr io.Writer) (*liveRun, error) {
	root, err := apiRoot(lf.baseURL)
	if err != nil {
		return nil, &configError{err: err}
	}
	running, err := readOptional(lf.runningExport, "--running-export")
	if err != nil {
		return nil, err
	}
	quick, err := readOptional(lf.quickExport, "--quick-export")
	if err != nil {
		return nil, err
	}
	creds, red, err := lf.credentials(getenv, root, "run")
	if err != nil {
		return nil, err
	}
	rt, err := transport.New(transport.Options{
		CAFile:             lf.caFile,
		InsecureSkipVerify: lf.insecure,
		Timeout:            lf.requestTimeout,
		MaxRetries:         retriesOption(lf.retries),
		MaxRetryAfter:      lf.maxRetryAfter,
		Warn:               stderr,
	})
	if err != nil {
		return nil, &configError{err: err}
	}
	auth, err := connect(ctx, root, creds, red, rt)
	if err != nil {
		return nil, err
	}
	return &liveRun{
		root:     root,
		redactor: red,
		describe: fmt.Sprintf("%s with %s", root, creds.Describe()),
		target: steps.LiveTarget(steps.LiveConfig{
			Root:          root,
			Transport:     rt,
			Auth:          auth.Authenticate,
			RunningExport: running,
			QuickExport:   quick,
			PollTimeout:   lf.pollTimeout,
			PollInterval:  lf.pollInterval,
		}),
	}, nil
}

// credentials loads the credentials the flags and the environment name for a run of command
// against root; a run without any is a configuration error. The redactor knows every secret.
func (lf *liveFlags) credentials(getenv func(string) string, root, command string) (credentials.Config, *credentials.Redactor, error) {
	creds, err := credentials.Load(credentials.Sources{
		Getenv:           getenv,
		ReadFile:         os.ReadFile,
		PasswordFile:     lf.passwordFile,
		TokenURL:         lf.tokenURL,
		ClientID:         lf.clientID,
		Scopes:           lf.scopes,
		ClientSecretFile: lf.clientSecretFile,
	})
	if err != nil {
		return credentials.Config{}, nil, &configError{err: err}
	}
	if creds.Basic == nil && creds.OAuth2 == nil {
		return credentials.Config{}, nil, &configError{err: fmt.Errorf("no credentials for %s: set CONFORM_USERNAME and CONFORM_PASSWORD "+
			"(or --password-file), or OAuth2 client credentials (see conform %s --help)", root, command)}
	}
	return creds, creds.Redactor(), nil
}

// connect builds the authenticator for creds and makes sure, before anything else is sent,
// that the target answers and accepts the credentials.
func connect(ctx context.Context, root string, creds credentials.Config, red *credentials.Redactor, rt http.RoundTripper) (credentials.Authenticator, error) {
	auth := credentials.NewAuthenticator(ctx, creds, transport.TokenClient(rt), red)
	if err := preflight(ctx, root, rt, auth, red); err != nil {
		return nil, err
	}
	return auth, nil
}

// retriesOption maps the flag (0 = none) onto transport's option (0 = default, <0 = none).
func retriesOption(n int) int {
	if n <= 0 {
		return -1
	}
	return n
}

func readOptional(path, flagName string) ([]byte, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, &configError{err: fmt.Errorf("%s: %w", flagName, err)}
	}
	if !jsonObject(b) {
		return nil, &configError{err: fmt.Errorf("%s %s: want a JSON object (an export request body)", flagName, path)}
	}
	return b, nil
}

// preflightID is asked for before the run: no real request has it, so any answer but 401 or
// 403 shows that the target is there and takes the credentials.
const preflightID = "conform-preflight-check"

// preflightBodyLimit bounds how much of the preflight's answer is read: enough to tell an error
// document from a web page, and no more from a target that may be hostile.
const preflightBodyLimit = 64 << 10

// preflight asks the target for the status of an id no request has, with the credentials, and
// makes sure the answer comes from the export API: a 404 with an error document (or a 5xx,
// which the scenarios will report). It follows no redirect. Anything of the target's own words
// in an error is redacted by red.
func preflight(ctx context.Context, root string, rt http.RoundTripper, auth credentials.Authenticator, red *credentials.Redactor) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, root+"/exportStatuses/"+preflightID, nil)
	if err != nil {
		return &configError{err: err}
	}
	req.Header.Set("Accept", "application/json")
	if err := auth.Authenticate(req); err != nil {
		var rejected *credentials.RejectedError
		return &targetError{rejected: errors.As(err, &rejected), err: err}
	}
	resp, err := transport.APIClient(rt).Do(req)
	if err != nil {
		return &targetError{err: fmt.Errorf("cannot reach the target %s: %w", root, err)}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, preflightBodyLimit))
	if err != nil {
		return &targetError{err: fmt.Errorf("cannot reach the target %s: read the answer: %w", root, err)}
	}
	if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
		return &targetError{rejected: true, err: fmt.Errorf("the target %s rejects the credentials: it answered %d %s", root, resp.StatusCode, http.StatusText(resp.StatusCode))}
	}
	if problem := notTheAPI(resp, body, red); problem != "" {
		return &targetError{notAPI: true, err: fmt.Errorf("this does not look like the export API at %s: %s", root, problem)}
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
		return fmt.Sprintf("it answered %s to the status of %q, an id no export request can have; the export API answers 404", status, preflightID)
	case resp.StatusCode == http.StatusNotFound && !jsonObject(body):
		return fmt.Sprintf("it answered %s without an error document (%s), as a server answers for a path it does not have; "+
			"check the path of --base-url (the API root is %s)", status, mediaType(resp.Header.Get("Content-Type")), export.Root)
	}
	return ""
}

// htmlPage reports whether an answer is a web page: declared as HTML, or starting like one.
func htmlPage(contentType string, body []byte) bool {
	if strings.EqualFold(mediaType(contentType), "text/html") || strings.EqualFold(mediaType(contentType), "application/xhtml+xml") {
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
