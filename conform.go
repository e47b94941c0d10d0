// Package conform runs conform's contract for the export-request API (create, poll the status,
// cancel) inside a team's own go test: each scenario a subtest, a target that does not conform
// a failed test. It is the same suite, steps, spec validation and invariants as `conform run`.
//
//	func TestExportAPIConforms(t *testing.T) {
//		conform.Run(t, conform.Options{BaseURL: os.Getenv("EXPORT_API_URL")})
//	}
//
// With no BaseURL the suite runs against the bundled fake, in-process, in well under a second:
// a way to see the scenarios pass before aiming them at a real endpoint.
package conform

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cucumber/godog"

	"github.com/conform-harness/conform/internal/credentials"
	"github.com/conform-harness/conform/internal/suite"
	"github.com/conform-harness/conform/internal/target"
	"github.com/conform-harness/conform/openapi"
	"github.com/conform-harness/conform/steps"
)

// Contract is the choices a team may make differently from the vendor's use-case page: which
// statuses accept the cancel of a running request, and how long a cancellation may take to
// settle, an export to finish and a new request to become visible. Its zero value is the page's
// (see steps.Contract).
type Contract = steps.Contract

// OAuth2 is an OAuth2 client-credentials grant: the token endpoint, the client and its secret,
// and the scopes to ask for (none: the endpoint's default).
type OAuth2 struct {
	TokenURL, ClientID, ClientSecret string
	Scopes                           []string
}

// Options say what Run runs, and against what. The zero value runs every scenario of conform's
// own features against the bundled fake.
type Options struct {
	// BaseURL is the target: its host ("https://api.example.com") or its API root; "" runs
	// against the bundled fake, in-process.
	BaseURL string
	// Username and Password are HTTP Basic credentials, and OAuth2 client credentials are the
	// other way in; give at most one. With neither, a live run reads them from the environment
	// as `conform run` does (CONFORM_USERNAME and CONFORM_PASSWORD, or CONFORM_OAUTH2_*).
	Username, Password string
	OAuth2             *OAuth2
	// Tags is a Cucumber tag expression ("not @needs-slow-cancel"); "" runs every scenario.
	// Against a target, the scenarios tagged @fake-only are left out.
	Tags string
	// Spec is the path of the vendor's OpenAPI document (JSON or YAML) to validate against
	// instead of conform's embedded spec; Overlays are OpenAPI Overlay 1.0 files applied to it
	// in order.
	Spec     string
	Overlays []string
	// Features are the team's own feature files or directories, run with conform's unless
	// NoBuiltinFeatures is set.
	Features          []string
	NoBuiltinFeatures bool
	// Contract is the team's contract; its zero fields are the use-case page's.
	Contract Contract
	// StrictPreconditions fails, instead of skipping, a scenario whose precondition the target
	// cannot be brought to (a cancellation that settles before it is seen cancelling).
	StrictPreconditions bool
	// Concurrency is how many scenarios run at once: 0 means 1 against the bundled fake and
	// 16 against a target, as `conform run` does.
	Concurrency int
	// PollInterval is the pause between two status polls against a target; 0 means 2 seconds,
	// as `conform run` does.
	PollInterval time.Duration
	// Output receives the console report (godog's progress format); nil logs it on t.
	Output io.Writer
}

// defaultLiveConcurrency is how many scenarios run at once against a target, as conform run.
const defaultLiveConcurrency = 16

// defaultPollInterval is the pause between two polls of a target, as conform run's.
const defaultPollInterval = 2 * time.Second

// fakeOnlyTag marks the scenarios only the bundled fake can run.
const fakeOnlyTag = "@fake-only"

// Run runs the contract's scenarios that o selects, each as a subtest of t: a scenario that
// finds the target not conforming fails its subtest, and so t. A scenario whose precondition
// the target could not be brought to passes, its steps skipped and the reason logged as a
// note, unless o.StrictPreconditions. Options that cannot work (a bad tag expression, a spec that does not
// load, no credentials for a target) and a target that cannot be reached, is not this API or
// rejects the credentials end t at once with t.Fatal, before any scenario runs: the target is
// not to blame for them.
func Run(t *testing.T, o Options) {
	t.Helper()
	ctx := t.Context()
	log := o.Output
	if log == nil {
		lw := &lineLog{t: t}
		defer lw.flush()
		log = lw
	}
	contract := o.Contract.WithDefaults()
	spec, _, err := openapi.Effective(o.Spec, o.Overlays)
	if err == nil {
		spec, err = openapi.AcceptCancel(spec, contract.CancelAccepted)
	}
	var validator *openapi.Validator
	if err == nil {
		validator, err = openapi.New(spec)
	}
	if err != nil {
		t.Fatalf("conform: %v", err)
	}
	opts := suite.Options{
		Config: steps.Config{
			Validator:           validator,
			Contract:            contract,
			StrictPreconditions: o.StrictPreconditions,
		},
		Tags:              o.Tags,
		Formats:           []suite.Format{{Name: "progress"}},
		Concurrency:       max(o.Concurrency, 1),
		Output:            log,
		Features:          o.Features,
		NoBuiltinFeatures: o.NoBuiltinFeatures,
		Configure:         func(g *godog.Options) { g.TestingT = t },
	}
	scrub := func(s string) string { return s }
	opts.Config.Note = func(scenario, note string) { t.Logf("conform: note: %s (scenario %q)", scrub(note), scenario) }
	if o.BaseURL != "" {
		opts.LeaveOut = []string{fakeOnlyTag}
	}
	// The features' and the tags' mistakes are found before anything reaches for the target.
	if err := suite.Check(opts); err != nil {
		t.Fatalf("conform: %v", err)
	}
	credentialsFailure := func() error { return nil }
	if o.BaseURL != "" {
		tgt, err := live(ctx, o, &opts)
		if err != nil {
			t.Fatalf("conform: %v", err)
		}
		defer tgt.Close()
		// Everything of the target's in a report is redacted with every secret; conform's own
		// words, the console's, of the credential forms only (as conform run does).
		own := tgt.Redactor.CredentialForms()
		out := own.Writer(opts.Output)
		defer out.Close()
		opts.Output, opts.Scrub, opts.Config.Redact, scrub = out, own.Bytes, tgt.Redactor.Bytes, own.String
		credentialsFailure = tgt.CredentialsFailure
	}
	res, err := suite.Run(ctx, opts)
	if err != nil {
		t.Fatalf("conform: %v", err)
	}
	if err := credentialsFailure(); err != nil {
		t.Fatalf("conform: requests went out without credentials, so the failures say nothing of the target: %v", err)
	}
	if !res.Passed && !t.Failed() {
		// godog fails a scenario's subtest; this says so should a failure come from outside
		// one (a hook, a report that could not be written).
		t.Error("conform: the target does not conform")
	}
}

// live reaches the target o names and sets opts up to run against it: the scenarios' target,
// with its live arranger, and the defaults of a live run.
func live(ctx context.Context, o Options, opts *suite.Options) (*target.Target, error) {
	getenv, err := o.credentials()
	if err != nil {
		return nil, err
	}
	tgt, err := target.Connect(ctx, target.Settings{
		BaseURL:     o.BaseURL,
		Credentials: credentials.Sources{Getenv: getenv, ReadFile: os.ReadFile},
		Command:     "run",
	})
	if err != nil {
		return nil, err
	}
	poll := o.PollInterval
	if poll <= 0 {
		poll = defaultPollInterval
	}
	opts.Config.NewTarget = steps.LiveTarget(steps.LiveConfig{
		Root:         tgt.Root,
		Transport:    tgt.Transport,
		Auth:         tgt.Auth.Authenticate,
		Bearer:       tgt.Bearer(),
		Contract:     opts.Config.Contract,
		PollInterval: poll,
	})
	opts.Config.PollInterval = poll
	if o.Concurrency == 0 {
		opts.Concurrency = defaultLiveConcurrency
	}
	return tgt, nil
}

// credentials returns what the credentials loader reads in place of the environment: o's own
// credentials when it gives any, else the process's environment, as conform run reads it.
func (o Options) credentials() (func(string) string, error) {
	basic := o.Username != "" || o.Password != ""
	switch {
	case basic && o.OAuth2 != nil:
		return nil, fmt.Errorf("conform.Options gives both HTTP Basic credentials and OAuth2: give one")
	case basic && (o.Username == "" || o.Password == ""):
		return nil, fmt.Errorf("conform.Options gives HTTP Basic credentials without a user name or a password: give both")
	case basic:
		return mapEnv(map[string]string{credentials.EnvUsername: o.Username, credentials.EnvPassword: o.Password}), nil
	case o.OAuth2 != nil:
		return mapEnv(map[string]string{
			credentials.EnvTokenURL:     o.OAuth2.TokenURL,
			credentials.EnvClientID:     o.OAuth2.ClientID,
			credentials.EnvClientSecret: o.OAuth2.ClientSecret,
			credentials.EnvScopes:       strings.Join(o.OAuth2.Scopes, " "),
		}), nil
	}
	return os.Getenv, nil
}

// mapEnv is an environment that holds only vars.
func mapEnv(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// lineLog logs on t what is written to it, a line at a time, so that the console report
// shows with go test -v and beside a failure.
type lineLog struct {
	t   *testing.T
	mu  sync.Mutex // guards buf
	buf bytes.Buffer
}

func (l *lineLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	for {
		line, err := l.buf.ReadString('\n')
		if err != nil {
			l.buf.WriteString(line) // not a whole line yet
			return len(p), nil
		}
		l.t.Log(strings.TrimRight(line, "\r\n"))
	}
}

// flush logs what is left that did not end with a new line.
func (l *lineLog) flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if rest := strings.TrimSpace(l.buf.String()); rest != "" {
		l.t.Log(rest)
	}
	l.buf.Reset()
}
