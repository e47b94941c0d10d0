package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/internal/credentials"
	"github.com/conform-harness/conform/internal/target"
	"github.com/conform-harness/conform/internal/transport"
	"github.com/conform-harness/conform/steps"
)

// liveFlags are the flags of `conform run` that point it at a real endpoint.
type liveFlags struct {
	baseURL          string
	runningExport    string
	quickExport      string
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
func (s *stringList) values() []string   { return *s }
func (*stringList) repeatable()          {}

// register adds every flag of a live `conform run`.
func (lf *liveFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&lf.baseURL, "base-url", "", "run against this endpoint instead of the bundled fake (also CONFORM_BASE_URL):\na host such as https://host, or the API root ending in "+export.Root)
	fs.StringVar(&lf.runningExport, "running-export", "", "`FILE` with the JSON body of an export that runs long enough to be cancelled\n(default: six tables; see the README)")
	fs.StringVar(&lf.quickExport, "quick-export", "", "`FILE` with the JSON body of an export that succeeds quickly (default: two tables)")
	fs.DurationVar(&lf.pollInterval, "poll-interval", 2*time.Second, "pause between two status polls")
	fs.IntVar(&lf.retries, "retries", 3, "retries of a status poll answered 429/502/503/504 or dropped (never of a create or cancel)")
	fs.DurationVar(&lf.maxRetryAfter, "max-retry-after", 30*time.Second, "the longest Retry-After honoured; a longer one ends the retries")
	fs.Int64Var(&lf.maxResponseBytes, "max-response-bytes", transport.DefaultMaxResponseBytes, "the largest response body read")
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

// settings are the target settings the flags and the environment name, for command.
func (lf *liveFlags) settings(getenv func(string) string, command string, warn io.Writer) target.Settings {
	return target.Settings{
		BaseURL: lf.baseURL,
		Credentials: credentials.Sources{
			Getenv:           getenv,
			ReadFile:         os.ReadFile,
			PasswordFile:     lf.passwordFile,
			TokenURL:         lf.tokenURL,
			ClientID:         lf.clientID,
			Scopes:           lf.scopes,
			ClientSecretFile: lf.clientSecretFile,
		},
		Command:            command,
		CAFile:             lf.caFile,
		InsecureSkipVerify: lf.insecure,
		RequestTimeout:     lf.requestTimeout,
		Retries:            lf.retries,
		MaxRetryAfter:      lf.maxRetryAfter,
		Warn:               warn,
	}
}

// liveTarget reaches the target of a live run (see target.Connect) and returns it with the
// scenarios' target factory, whose arranger submits the export bodies the flags name.
func liveTarget(ctx context.Context, lf liveFlags, contract steps.Contract, getenv func(string) string, stderr io.Writer) (*target.Target, func(context.Context) (*steps.Target, error), error) {
	running, err := readOptional(lf.runningExport, "--running-export")
	if err != nil {
		return nil, nil, err
	}
	quick, err := readOptional(lf.quickExport, "--quick-export")
	if err != nil {
		return nil, nil, err
	}
	tgt, err := target.Connect(ctx, lf.settings(getenv, "run", stderr))
	if err != nil {
		return nil, nil, err
	}
	return tgt, steps.LiveTarget(steps.LiveConfig{
		Root:          tgt.Root,
		Transport:     tgt.Transport,
		Auth:          tgt.Auth.Authenticate,
		Bearer:        tgt.Bearer(),
		RunningExport: running,
		QuickExport:   quick,
		Contract:      contract,
		PollInterval:  lf.pollInterval,
	}), nil
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

// jsonObject reports whether b is one well-formed JSON object.
func jsonObject(b []byte) bool {
	var v map[string]any
	return json.Unmarshal(b, &v) == nil && v != nil
}
