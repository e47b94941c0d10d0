// Package steps holds the godog step definitions of conform's features, the per-scenario world
// they share, the API client whose transport validates every exchange, polling, the invariant
// oracle's wiring and the arrangers that make a scenario's preconditions true.
//
// Steps speak only HTTP to the target. Only arrangers may reach into the bundled fake.
package steps

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/cucumber/godog"

	"conform/internal/statusdoc"
	"conform/internal/transport"
	"conform/openapi"
	"conform/steps/oracle"
)

// Target is what one scenario talks to: the API root, how to reach it, and how to arrange and
// wait on it.
type Target struct {
	Root      string                    // API root URL, e.g. http://127.0.0.1:8080/logisticsRestApi/data/v1
	Transport http.RoundTripper         // how requests reach the target
	Auth      func(*http.Request) error // adds credentials; nil sends none
	Arranger  Arranger
	Waiter    Waiter
	Now       func() time.Time // the target's idea of now: the manual clock for the bundled fake
	Close     func()           // called when the scenario ends; may be nil
	// QuickExport is the body of "I submit an export request": an export that completes
	// within the features' time limits. Nil means DefaultQuickExport.
	QuickExport []byte
}

// DefaultQuickExport is the export submitted when the target names none: two small tables.
var DefaultQuickExport = []byte(`{"tables":{"items":[{"tableName":"SHIPMENT"},{"tableName":"SHIPMENT_REFNUM"}]}}`)

// Config wires the steps to a run.
type Config struct {
	// NewTarget is called once per scenario, so that scenarios can run concurrently.
	NewTarget func(ctx context.Context) (*Target, error)
	// Validator checks every exchange; required.
	Validator *openapi.Validator
	// PollInterval is the pause between two polls of "eventually" steps; 0 means 1s.
	PollInterval time.Duration
	// MaxResponseBytes caps one response body; 0 means DefaultMaxResponseBytes.
	MaxResponseBytes int64
	// Redact, when set, scrubs secrets from every attachment before it is attached: reports
	// encode attachments (base64 in Cucumber JSON), where a later text redaction cannot see them.
	Redact func([]byte) []byte
}

// World is the state of one scenario.
type World struct {
	cfg    Config
	target *Target
	client *Client
	rec    *recorder
	oracle *oracle.Oracle

	mu       sync.Mutex // guards findings and reported
	findings []string   // violations of the spec or of an invariant, in the order found
	reported int        // how many findings have already failed a step

	stepFrom    int // how many exchanges there were when the current step began
	last        *Response
	requestID   statusdoc.ID
	beforeItems map[string]statusdoc.Item // items as last seen before the cancel was sent
}

// Initializer returns godog's scenario initializer for cfg: it creates a fresh World for each
// scenario and registers every step.
func Initializer(cfg Config) func(*godog.ScenarioContext) {
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Second
	}
	if cfg.MaxResponseBytes <= 0 {
		cfg.MaxResponseBytes = DefaultMaxResponseBytes
	}
	return func(sc *godog.ScenarioContext) {
		w := newWorld(cfg)
		sc.Before(func(ctx context.Context, _ *godog.Scenario) (context.Context, error) {
			return ctx, w.start(ctx)
		})
		sc.StepContext().Before(func(ctx context.Context, _ *godog.Step) (context.Context, error) {
			w.stepFrom = w.rec.len()
			return ctx, nil
		})
		sc.StepContext().After(func(ctx context.Context, _ *godog.Step, _ godog.StepResultStatus, _ error) (context.Context, error) {
			ctx = attachExchanges(ctx, w.rec.since(w.stepFrom), w.cfg.Redact)
			return ctx, w.failOnFindings()
		})
		sc.After(func(ctx context.Context, _ *godog.Scenario, _ error) (context.Context, error) {
			// Return only the hook's own failures: godog already reports the step's error,
			// and echoing it here would print every finding twice.
			ctx = attachTimeline(ctx, w.rec.all(), w.cfg.Redact)
			err := w.cleanup(ctx)
			w.stop()
			return ctx, err
		})
		w.register(sc)
	}
}

// newWorld returns the world of one scenario, before its target is set up.
func newWorld(cfg Config) *World {
	return &World{cfg: cfg, rec: &recorder{}}
}

func (w *World) start(ctx context.Context) error {
	t, err := w.cfg.NewTarget(ctx)
	if err != nil {
		return fmt.Errorf("set up the target: %w", err)
	}
	w.target = t
	w.oracle = oracle.New()
	w.rec.observe = w.observe
	w.client = &Client{
		root: strings.TrimSuffix(t.Root, "/"),
		auth: t.Auth,
		// A redirect is an answer like any other: never followed, so credentials and cancels
		// never reach another server.
		http: transport.APIClient(&validatingTransport{
			next:      t.Transport,
			validator: w.cfg.Validator,
			rec:       w.rec,
			now:       t.Now,
			maxBytes:  w.cfg.MaxResponseBytes,
		}),
	}
	return nil
}

// cleanupTimeout bounds the clean-up of one scenario, which runs even when the run is being
// interrupted: an export left running on a real system costs its owner.
const cleanupTimeout = 30 * time.Second

// cleanup cancels every request the scenario created that is still running. A request that
// completed in the meantime is left alone; a cancel that fails is reported, naming the id, so
// the user can cancel it by hand.
func (w *World) cleanup(ctx context.Context) error {
	if w.client == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	var problems []string
	for _, id := range w.client.Owned() {
		resp, err := w.client.Status(ctx, id)
		if err != nil {
			problems = append(problems, fmt.Sprintf("request %s: %v", id, err))
			continue
		}
		doc, err := resp.StatusDocument()
		if resp.Status != http.StatusOK || err != nil {
			continue // nothing known to cancel
		}
		if doc.Completed || doc.Progress == statusdoc.Cancelling || doc.Progress == statusdoc.Cancelled {
			continue
		}
		cresp, err := w.client.Cancel(ctx, id)
		switch {
		case err != nil:
			problems = append(problems, fmt.Sprintf("request %s: %v", id, err))
		case cresp.Status/100 != 2 && cresp.Status != http.StatusBadRequest:
			// Any 2xx took the cancel (whether it was the right status is the scenarios'
			// business), and 400 means the request completed meanwhile.
			problems = append(problems, fmt.Sprintf("request %s: the cancel answered %d", id, cresp.Status))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("clean-up could not cancel what this scenario created and left running; cancel it by hand:\n%s", strings.Join(problems, "\n"))
	}
	return nil
}

func (w *World) stop() {
	if w.target != nil && w.target.Close != nil {
		w.target.Close()
	}
}

// Exchanges returns every exchange of the scenario so far, in order.
func (w *World) Exchanges() []Exchange { return w.rec.all() }

// observe runs on every exchange: spec violations become findings, and every status document
// goes to the invariant oracle.
func (w *World) observe(ex Exchange) {
	for _, v := range ex.Violations {
		w.addFinding("the answer breaks the spec: " + v.String())
	}
	asked, ok := askedID(ex)
	if !ok || ex.Status/100 != 2 || len(ex.RespBody) == 0 {
		return
	}
	doc, err := statusdoc.DecodeStatus(ex.RespBody)
	if err != nil {
		// Mostly a spec violation already says why; but a body the spec lets through (data
		// after the document, a number too large, a key in another case) must not go unjudged.
		if len(ex.Violations) == 0 {
			w.addFinding(fmt.Sprintf("%s %s → %d: the status document cannot be read: %v", ex.Method, ex.URL, ex.Status, err))
		}
		return
	}
	if asked == "" { // a create names its own id
		asked = doc.RequestID()
	}
	obs := oracle.Observation{
		Seq:    ex.Seq,
		At:     ex.At,
		Source: fmt.Sprintf("%s %s → %d", ex.Method, ex.URL, ex.Status),
		Doc:    doc,
		Raw:    ex.RespBody,
	}
	for _, v := range w.oracle.Observe(asked, obs) {
		w.addFinding(v.Error())
	}
}

// askedID tells which request an exchange was about: the id in a status or cancel path, "" for
// a create, and ok=false for anything else.
func askedID(ex Exchange) (statusdoc.ID, bool) {
	path := ex.URL
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	for _, p := range []string{"/exportStatuses/", "/custom-actions/cancel/exportRequests/"} {
		if i := strings.LastIndex(path, p); i >= 0 {
			id := path[i+len(p):]
			if un, err := url.PathUnescape(id); err == nil {
				id = un
			}
			return statusdoc.ID(id), true
		}
	}
	if strings.HasSuffix(path, "/exportRequests") && ex.Method == http.MethodPost {
		return "", true
	}
	return "", false
}

func (w *World) addFinding(s string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.findings = append(w.findings, s)
}

// failOnFindings fails the step that just ran when it produced spec or invariant violations,
// naming each. godog joins the returned error with the step's own one, so it is not repeated.
func (w *World) failOnFindings() error {
	w.mu.Lock()
	fresh := w.findings[w.reported:]
	w.reported = len(w.findings)
	w.mu.Unlock()
	if len(fresh) == 0 {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d violation(s):", len(fresh))
	for _, f := range fresh {
		b.WriteString("\n- ")
		b.WriteString(strings.ReplaceAll(f, "\n", "\n  "))
	}
	b.WriteString("\n")
	return errors.New(b.String())
}
