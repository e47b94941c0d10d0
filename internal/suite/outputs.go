package suite

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"

	messages "github.com/cucumber/messages/go/v34"
	"github.com/getkin/kin-openapi/openapi3"

	"github.com/conform-harness/conform/internal/coverage"
	"github.com/conform-harness/conform/internal/har"
	"github.com/conform-harness/conform/internal/record"
	"github.com/conform-harness/conform/judge"
	"github.com/conform-harness/conform/steps"
)

// OutputOptions say which of a run's in-memory reports to keep (see Outputs).
type OutputOptions struct {
	// Spec is the effective spec the run validates against: the coverage counts the responses
	// it declares, and the HTML report names it.
	Spec *openapi3.T
	// HTML is the path of the self-contained HTML report (conform run --report), or "".
	HTML string
	// HAR is the path of the HAR file of the run's exchanges (conform run --record), or "".
	HAR string
	// Creator names the program in the HAR file.
	Creator har.Creator
}

// Outputs are the reports a run builds in memory, beside those godog writes: the contract
// coverage of its exchanges, the HAR recording of them, the Cucumber Messages the HTML report
// is drawn from, and the notes its steps make for people. Wire hands them the run's exchanges,
// messages and notes; the run's owner writes them when it ends (WriteHAR; the HTML report,
// which internal/report renders from Envelopes, Spec and Coverage).
type Outputs struct {
	o   OutputOptions
	cov *coverage.Collector
	rec *record.Recording // nil without OutputOptions.HAR
	// history is the run's one history of each export request: the scenarios' oracles follow
	// them there (steps.Config.History), and its watcher tells cov each status document.
	history *judge.Tracker

	mu        sync.Mutex // guards envelopes and notes
	envelopes []*messages.Envelope
	notes     []string
}

// NewOutputs returns the outputs o asks for; the coverage is always kept.
func NewOutputs(o OutputOptions) *Outputs {
	// One history of each export request, for the scenarios' oracles and for coverage alike.
	cov, history := coverage.Following(o.Spec, 0)
	out := &Outputs{o: o, cov: cov, history: history}
	if o.HAR != "" {
		out.rec = &record.Recording{}
	}
	return out
}

// Wire returns opts with the run's exchanges, messages and notes handed to out. With an HTML
// report and no format asked for, the console keeps its default report (pretty), which the
// in-memory messages would otherwise replace.
func (out *Outputs) Wire(opts Options) Options {
	opts.Config.History = out.history
	opts.Config.Exchange = func(s steps.ScenarioRef, ex judge.Exchange) {
		out.cov.Add(s.ID, ex)
		out.rec.Add(s, ex)
	}
	opts.Config.Note = func(scenario, note string) {
		out.mu.Lock()
		defer out.mu.Unlock()
		out.notes = append(out.notes, fmt.Sprintf("%s (scenario %q)", note, scenario))
	}
	if out.o.HTML != "" {
		opts.Envelopes = func(e *messages.Envelope) {
			out.mu.Lock()
			defer out.mu.Unlock()
			out.envelopes = append(out.envelopes, e)
		}
		if len(opts.Formats) == 0 {
			opts.Formats = append(slices.Clone(opts.Formats), Format{Name: "pretty"})
		}
	}
	return opts
}

// Coverage is the contract coverage of the exchanges so far.
func (out *Outputs) Coverage() coverage.Report { return out.cov.Report() }

// Notes are the notes the steps made for people so far, each naming its scenario, in the
// order they were made.
func (out *Outputs) Notes() []string {
	out.mu.Lock()
	defer out.mu.Unlock()
	return slices.Clone(out.notes)
}

// WriteHAR writes the exchanges recorded so far to OutputOptions.HAR, every credential
// redacted by redact (when set), and says how many it wrote; it may be called while the run
// still goes on (a run abandoned at a second signal). Without a HAR path it does nothing. A file
// that cannot be written is an *OutputError.
func (out *Outputs) WriteHAR(redact func([]byte) []byte) (int, error) {
	if out.o.HAR == "" {
		return 0, nil
	}
	var buf bytes.Buffer
	if err := out.rec.Write(&buf, out.o.Creator, redact); err != nil {
		return 0, fmt.Errorf("--record: %w", err)
	}
	return out.rec.Len(), WriteOutput("--record", out.o.HAR, buf.Bytes())
}

// Spec is the effective spec of the run, as OutputOptions gave it.
func (out *Outputs) Spec() *openapi3.T { return out.o.Spec }

// Envelopes are the run's Cucumber Messages so far, in stream order, when OutputOptions.HTML
// asked for them (the HTML report is drawn from them), and none otherwise.
func (out *Outputs) Envelopes() []*messages.Envelope {
	out.mu.Lock()
	defer out.mu.Unlock()
	return slices.Clone(out.envelopes)
}

// OutputError is a report file that cannot be written where the flag that names it says: the
// user's to fix.
type OutputError struct {
	Flag string // the flag that names the file, e.g. "--report"
	Err  error
}

func (e *OutputError) Error() string { return e.Flag + ": " + e.Err.Error() }
func (e *OutputError) Unwrap() error { return e.Err }

// WriteOutput writes data to the file path that flag names, creating missing directories; it
// returns an *OutputError when it cannot.
func WriteOutput(flag, path string, data []byte) error {
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return &OutputError{Flag: flag, Err: err}
		}
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return &OutputError{Flag: flag, Err: err}
	}
	return nil
}
