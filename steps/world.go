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
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cucumber/godog"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/internal/evidence"
	"github.com/conform-harness/conform/internal/transport"
	"github.com/conform-harness/conform/judge"
	"github.com/conform-harness/conform/openapi"
)

// Target is what one scenario talks to: the API root, how to reach it, and how to arrange and
// wait on it.
type Target struct {
	Root      string                    // API root URL, e.g. http://127.0.0.1:8080/logisticsRestApi/data/v1
	Transport http.RoundTripper         // how requests reach the target
	Auth      func(*http.Request) error // adds credentials; nil sends none
	Bearer    bool                      // Auth adds a Bearer token (OAuth2), not HTTP Basic: for the cancel-by-hand hint
	Arranger  Arranger
	Waiter    Waiter
	Now       func() time.Time // the target's idea of now: the manual clock for the bundled fake
	Close     func()           // called when the scenario ends; may be nil
	// QuickExport is the body of "I submit an export request": an export that completes
	// within the features' time limits. Nil means DefaultQuickExport.
	QuickExport []byte
}

// defaultQuickExport is the export submitted when the target names none: two small tables.
const defaultQuickExport = `{"tables":{"items":[{"tableName":"SHIPMENT"},{"tableName":"SHIPMENT_REFNUM"}]}}`

// DefaultQuickExport returns the body of "I submit an export request" when the target names
// none. The slice is the caller's.
func DefaultQuickExport() []byte { return []byte(defaultQuickExport) }

// Config wires the steps to a run.
type Config struct {
	// NewTarget is called once per scenario, so that scenarios can run concurrently.
	NewTarget func(ctx context.Context) (*Target, error)
	// Validator checks every exchange; required.
	Validator *openapi.Validator
	// PollInterval is the pause between two polls of "eventually" steps; 0 means 1s.
	PollInterval time.Duration
	// StrictPreconditions fails a scenario whose precondition the target cannot be brought to
	// (a *PreconditionError, such as a cancellation that settles before it can be seen
	// cancelling). False, the default, skips it with the reason: it proves nothing about the
	// target either way.
	StrictPreconditions bool
	// MaxResponseBytes caps one response body; 0 means transport.DefaultMaxResponseBytes.
	MaxResponseBytes int64
	// Redact, when set, scrubs secrets from everything of the target's that a scenario reports:
	// every attachment before it is attached (reports encode attachments, base64 in Cucumber
	// JSON, where a later text redaction cannot see them) and every step's and hook's error.
	// Give it the redactor that knows the plain secrets too: the target may echo anything.
	Redact func([]byte) []byte
	// Ledger, when set, records every export request the run creates, across scenarios, for
	// the run to account for them when it ends or is interrupted.
	Ledger *Ledger
	// Contract is the team's choices where the use-case page leaves room, complete: the runner
	// fills the choices a team left unset with the page's (Contract.WithDefaults) before the
	// steps see it.
	Contract Contract
	// Note, when set, receives each note a step makes for people (a status accepted only through
	// the contract), with the scenario's name, so the console can say it too.
	Note func(scenario, note string)
	// Exchange, when set, receives every exchange of every scenario as it is recorded (judged
	// and decoded), with the scenario's name: for a run's HAR file and its contract coverage. It
	// is called from the scenarios' goroutines, concurrently when they run side by side.
	Exchange func(scenario ScenarioRef, ex judge.Exchange)
	// History, when set, is the run's one history of each export request (judge.Tracker),
	// shared with what else follows them (the run's coverage, judge.Tracker's watcher): each
	// scenario follows its requests there, apart from every other scenario's by its id. Unset,
	// each scenario has a history of its own.
	History *judge.Tracker
}

// World is the state of one scenario.
type World struct {
	cfg    Config
	target *Target
	client *Client
	rec    *recorder
	// history follows each export request of the scenario: its oracle and its documents, in
	// scope (Config.History's, shared by the run, or the scenario's own).
	history *judge.Tracker
	scope   string

	mu       sync.Mutex        // guards findings, reported and breaches
	findings []finding         // violations of the spec or of an invariant, in the order found
	reported int               // how many findings have already failed a step
	breaches []evidence.Breach // the invariant breaches not yet attached to a step

	scenario    string // the scenario's name, for notes
	scenarioID  string // godog's id of the scenario, unique in the run
	stepFrom    int    // how many exchanges there were when the current step began
	last        *Response
	requestID   export.ID
	beforeItems map[string]export.Item // items as last seen before the cancel was sent
	// seenRunning says that the precondition saw the scenario's request still running, and
	// cancellingSeen that it saw it cancelling after its own cancel: a later cancel refused
	// because the request has completed since then means the target was too fast for the
	// scenario (the export finished, or the cancellation settled, before the cancel went out).
	seenRunning, cancellingSeen bool
}

// Initializer returns godog's scenario initializer for cfg: it creates a fresh World for each
// scenario and registers every step.
func Initializer(cfg Config) func(*godog.ScenarioContext) {
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Second
	}
	if cfg.MaxResponseBytes <= 0 {
		cfg.MaxResponseBytes = transport.DefaultMaxResponseBytes
	}
	return func(sc *godog.ScenarioContext) {
		w := newWorld(cfg)
		sc.Before(func(ctx context.Context, s *godog.Scenario) (context.Context, error) {
			w.scenario, w.scenarioID = s.Name, s.Id
			return ctx, w.start(ctx)
		})
		sc.StepContext().Before(func(ctx context.Context, _ *godog.Step) (context.Context, error) {
			w.stepFrom = w.rec.len()
			return ctx, nil
		})
		sc.StepContext().After(func(ctx context.Context, st *godog.Step, _ godog.StepResultStatus, err error) (context.Context, error) {
			ctx = attachExchanges(ctx, w.rec.since(w.stepFrom), w.cfg.Redact)
			ctx = attachBreaches(ctx, w.takeBreaches(), w.cfg.Redact)
			ctx = w.attachNotes(ctx)
			ctx = w.attachSkip(ctx, st, err)
			return ctx, w.redactError(w.failOnFindings())
		})
		sc.After(func(ctx context.Context, _ *godog.Scenario, _ error) (context.Context, error) {
			// Return only the hook's own failures: godog already reports the step's error,
			// and echoing it here would print every finding twice.
			ctx = attachTimeline(ctx, w.rec.all(), w.cfg.Redact)
			err := w.cleanup(ctx)
			w.stop()
			return ctx, w.redactError(err)
		})
		w.register(sc)
	}
}

// ScenarioRef names a scenario: ID is godog's id of this run of it (unique in a run, even when
// names repeat, as an outline's rows do), Name its name.
type ScenarioRef struct{ ID, Name string }

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
	w.history, w.scope = w.cfg.History, w.scenarioID
	if w.history == nil {
		w.history, w.scope = &judge.Tracker{}, ""
	}
	w.rec.observe = func(ex judge.Exchange) {
		w.observe(ex)
		if w.cfg.Exchange != nil {
			w.cfg.Exchange(ScenarioRef{ID: w.scenarioID, Name: w.scenario}, ex)
		}
	}
	validator := w.cfg.Validator
	if w.cfg.Redact != nil {
		// The values a violation quotes are the target's: masked before they are cut short.
		validator = validator.Redacting(w.cfg.Redact)
	}
	w.client = newClient(t.Root, &validatingTransport{
		next:      t.Transport,
		validator: validator,
		rec:       w.rec,
		now:       t.Now,
		maxBytes:  w.cfg.MaxResponseBytes,
	}, t.Auth, w.cfg.Ledger)
	w.client.bearer = t.Bearer
	w.client.visible = visibility{within: w.cfg.Contract.VisibleWithin, interval: w.cfg.PollInterval, now: t.Now, waiter: t.Waiter}
	return nil
}

// cleanupTimeout bounds the clean-up of one scenario, which runs even when the run is being
// interrupted: an export left running on a real system costs its owner.
const cleanupTimeout = 30 * time.Second

// cleanupAttempts bounds how often clean-up sends the cancel of one request whose answer was
// throttled (429), a gateway's (502, 503, 504) or lost.
const cleanupAttempts = 4

// cleanup sends the cancel of every request the scenario created that it has neither seen
// completed nor seen a cancel of accepted. It does not ask for the status first: a target
// whose status calls fail must not keep an export running. A 2xx means the cancel was taken,
// a 400 that the request had completed meanwhile. Anything else, after the attempts it is
// given, is reported with the id and the command to cancel it by hand.
func (w *World) cleanup(ctx context.Context) error {
	if w.client == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	var problems []string
	for _, id := range w.client.mine.Open() {
		if err := w.cancelLeftover(ctx, id); err != nil {
			problems = append(problems, fmt.Sprintf("request %s: %v; cancel it by hand: %s", id, err, CancelCommand(w.client.root, id, w.client.bearer)))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("clean-up could not confirm the cancel of what this scenario created:\n%s", strings.Join(problems, "\n"))
	}
	return nil
}

// cancelLeftover sends the cancel of id until it is taken (2xx) or refused as completed (400),
// retrying a throttled, gateway or lost answer a few times within ctx.
func (w *World) cancelLeftover(ctx context.Context, id export.ID) error {
	var last error
	for attempt := range cleanupAttempts {
		resp, err := w.client.Cancel(ctx, id)
		var wait time.Duration
		switch {
		case err != nil:
			last = err
		case resp.Status/100 == 2, resp.Status == http.StatusBadRequest:
			return nil
		case resp.Status == http.StatusTooManyRequests, resp.Status == http.StatusBadGateway,
			resp.Status == http.StatusServiceUnavailable, resp.Status == http.StatusGatewayTimeout:
			last = fmt.Errorf("the cancel answered %d %s", resp.Status, http.StatusText(resp.Status))
			wait = retryAfter(resp.Header.Get("Retry-After"))
		default:
			return fmt.Errorf("the cancel answered %d %s", resp.Status, http.StatusText(resp.Status))
		}
		if attempt == cleanupAttempts-1 {
			break
		}
		// A growing pause, or the target's Retry-After, bounded so that clean-up ends.
		wait = min(max(wait, time.Duration(1<<attempt)*500*time.Millisecond), maxCleanupPause)
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			break
		}
		if err := w.target.Waiter.Wait(ctx, wait); err != nil {
			break
		}
	}
	return fmt.Errorf("%w (after %d attempts at most)", last, cleanupAttempts)
}

// maxCleanupPause is the longest pause between two cancels of clean-up, whatever the target's
// Retry-After says (503 with Retry-After: 999999 must not hold a run).
const maxCleanupPause = 5 * time.Second

// retryAfter reads a Retry-After of delta-seconds; anything else is 0.
func retryAfter(v string) time.Duration {
	secs, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || secs < 0 {
		return 0
	}
	return time.Duration(min(secs, 3600)) * time.Second
}

func (w *World) stop() {
	if w.target != nil && w.target.Close != nil {
		w.target.Close()
	}
}

// observe runs on every exchange: spec violations become findings, and every status document
// goes to the invariant oracle of its request, in the scenario's history of each.
func (w *World) observe(ex judge.Exchange) {
	// The cause first: an id no request has, answered 200, breaks the contract before it
	// breaks the spec, and its spec violations (a document without its fields) only follow.
	if text := w.unknownAnswered(ex); text != "" {
		w.addCause(text, ex.At)
	}
	if ex.Doc != nil && ex.Doc.Progress.Terminal() {
		w.client.settle(ex.Asked, seenCompleted)
	}
	for _, p := range judge.ProblemsOf(ex, w.history.Observe(w.scope, ex).Breaches) {
		if p.NoAnswer != nil {
			continue // the step that sent the request gets the error itself
		}
		text := p.StepError(ex)
		if b := p.Breach; b != nil {
			// The same breach on every poll differs only in the documents it quotes: it is one finding.
			w.addFinding(fmt.Sprintf("%s: invariant %d: %s", ex.Asked, b.Invariant, b.Message), text, ex.At)
			w.addBreach(b.Evidence(ex.Asked))
			continue
		}
		w.addFinding(text, text, ex.At)
	}
}

// unknownAnswered says, for an answer 2xx to the status or the cancel of an id whose status
// this scenario's client last saw answer 404, and which it did not create, that the contract
// says 404 for it; "" for any other exchange. A request the client created may answer 404 for a
// moment after its create (contract.visible_within): its 200 is no news.
func (w *World) unknownAnswered(ex judge.Exchange) string {
	if w.client == nil || ex.Status/100 != 2 || (ex.Call != export.CallStatus && ex.Call != export.CallCancel) {
		return ""
	}
	at, ok := w.client.unknownSince(ex.Asked)
	if !ok || !w.client.answers(ex.Asked).created.IsZero() {
		return ""
	}
	return fmt.Sprintf("%s %s → %d: export request %s: an id no request has answered %d; the contract says 404 (its status answered 404 at %s)",
		ex.Method, ex.URL, ex.Status, ex.Asked, ex.Status, clockTime(at))
}

// addBreach keeps b, to be attached to the step that found it: the same breach seen again
// (the same invariant, request, message and earlier document, on a later poll) is kept once.
func (w *World) addBreach(b evidence.Breach) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, k := range w.breaches {
		if sameBreach(k, b) {
			return
		}
	}
	w.breaches = append(w.breaches, b)
}

// takeBreaches returns the breaches not yet attached, and forgets them.
func (w *World) takeBreaches() []evidence.Breach {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := w.breaches
	w.breaches = nil
	return out
}

func sameBreach(a, b evidence.Breach) bool {
	same := a.Invariant == b.Invariant && a.Request == b.Request && a.Message == b.Message
	if a.Previous == nil || b.Previous == nil {
		return same && a.Previous == b.Previous
	}
	return same && a.Previous.Seq == b.Previous.Seq
}

// note hands a note for people to the run, if it listens.
func (w *World) note(text string) {
	if w.cfg.Note != nil {
		w.cfg.Note(w.scenario, text)
	}
}

// finding is one violation of the spec or of an invariant, and how often it was seen: the same
// violation on many polls is reported once.
type finding struct {
	key         string // what makes two findings the same
	text        string // the first one's, with its documents
	count       int
	first, last time.Time // on the target's clock
}

// addFinding records a violation, or counts it again when one with the same key was found since
// the last step that failed.
func (w *World) addFinding(key, text string, at time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for i := w.reported; i < len(w.findings); i++ {
		if f := &w.findings[i]; f.key == key {
			f.count++
			f.last = at
			return
		}
	}
	w.findings = append(w.findings, finding{key: key, text: text, count: 1, first: at, last: at})
}

// addCause records a violation that the step that found it must name before any other it
// found: the contract's reading of an answer, before what the spec says of its body.
func (w *World) addCause(text string, at time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.findings = slices.Insert(w.findings, w.reported, finding{key: text, text: text, count: 1, first: at, last: at})
}

// hasFreshFindings reports whether the current step found violations that no step has failed
// for yet.
func (w *World) hasFreshFindings() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.findings) > w.reported
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
		b.WriteString(strings.ReplaceAll(f.text, "\n", "\n  "))
		if f.count > 1 {
			fmt.Fprintf(&b, "\n  (seen %d times, first at %s, last at %s)", f.count,
				f.first.UTC().Format("15:04:05.000"), f.last.UTC().Format("15:04:05.000"))
		}
	}
	b.WriteString("\n")
	return errors.New(b.String())
}
