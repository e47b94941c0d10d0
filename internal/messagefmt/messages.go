// Package messagefmt is a godog formatter that writes Cucumber Messages: one JSON Envelope per line
// (NDJSON), the format the official Cucumber HTML formatter and the other tools of the Cucumber
// ecosystem read. Importing the package registers it with godog under the name "messages", so
// `--format messages:report.ndjson` works wherever godog formats are chosen.
//
// The stream is ordered as Cucumber's own implementations order it, as far as godog lets a
// formatter know things: meta; each feature's source, gherkinDocument and pickles;
// testRunStarted; then, test case by test case, the stepDefinitions it uses for the first time,
// its testCase, testCaseStarted, each step's testStepStarted, attachments and testStepFinished,
// and testCaseFinished; last testRunFinished.
//
// Two things differ from Cucumber's order, both because godog does not tell a formatter:
//   - godog gives formatters no list of the registered step definitions, only the one a step
//     matched. A stepDefinition is written when a test case first uses it, just before that test
//     case, so definitions no step matched are missing.
//   - which definition a step matches is only known when godog reaches that step, and a testCase
//     must list them all. A test case's messages are therefore held until it finishes and then
//     written together. With concurrent scenarios this also keeps each test case's messages in
//     one block, whatever order godog reports them in.
package messagefmt

import (
	"bytes"
	"encoding/json"
	"io"
	"sync"
	"time"

	"github.com/cucumber/godog"
	messages "github.com/cucumber/messages/go/v34"
)

// Name is the formatter's name in godog's registry.
const Name = "messages"

func init() {
	godog.Format(Name, "Cucumber Messages (NDJSON), for the Cucumber HTML formatter and other Cucumber tools", New)
}

// Options configure a formatter.
type Options struct {
	// Now gives the time of what godog does not time itself: the end of the run. Everything
	// else is timed as godog recorded it. nil means time.Now.
	Now func() time.Time
	// Sink, when set, receives every envelope, in stream order, instead of the writer godog
	// gives the formatter: a run builds its HTML report from them in memory. It is called with
	// the formatter's lock held.
	Sink func(*messages.Envelope)
}

// New is the godog.FormatterFunc of the "messages" formatter: it writes to w with the default
// Options. The suite name is not used.
func New(suite string, w io.Writer) godog.Formatter {
	return NewFunc(Options{})(suite, w)
}

// NewFunc returns a godog.FormatterFunc for formatters with o, for registering under another name
// (tests register one with a fixed clock).
func NewFunc(o Options) godog.FormatterFunc {
	if o.Now == nil {
		o.Now = time.Now
	}
	return func(suite string, w io.Writer) godog.Formatter {
		return &Formatter{
			// BaseFmt receives godog's storage (features, step results with their times and
			// attachments); every callback is overridden, so it writes nothing itself.
			BaseFmt:   godog.NewBaseFmt(suite, io.Discard),
			out:       w,
			sink:      o.Sink,
			now:       o.Now,
			newID:     messages.UUID{}.NewId,
			stepDefs:  map[stepDefKey]string{},
			testCases: map[string]*testCase{},
		}
	}
}

// Formatter writes a run as Cucumber Messages. godog calls it from several goroutines when
// scenarios run concurrently; every callback holds mu.
type Formatter struct {
	*godog.BaseFmt
	out   io.Writer
	sink  func(*messages.Envelope) // instead of out, when set
	now   func() time.Time
	newID func() string // ids of what the formatter makes up; gherkin's ids are godog's

	mu        sync.Mutex            // guards everything below
	buf       bytes.Buffer          // one encoded envelope
	err       error                 // the first write error; nothing is written after it
	runID     string                // the testRunStarted id; "" until the run started
	stepDefs  map[stepDefKey]string // ids of the step definitions written
	testCases map[string]*testCase  // open test cases, by pickle id
	started   []string              // pickle ids of the open test cases, in the order they started
	failed    bool                  // a test case did not pass, by Cucumber's strict rule
}

// TestRunStarted writes meta, every feature of the run with its pickles, and testRunStarted.
func (f *Formatter) TestRunStarted() {
	f.mu.Lock()
	defer f.mu.Unlock()

	f.write(&messages.Envelope{Meta: meta()})
	for _, ft := range f.Storage.MustGetFeatures() {
		f.writeFeature(ft.GherkinDocument, ft.Content, ft.Pickles)
	}
	f.runID = f.newID()
	f.write(&messages.Envelope{TestRunStarted: &messages.TestRunStarted{
		Id:        f.runID,
		Timestamp: timestamp(f.Storage.MustGetTestRunStarted().StartedAt),
	}})
}

// Feature does nothing: TestRunStarted has written every feature.
func (f *Formatter) Feature(*messages.GherkinDocument, string, []byte) {}

// Pickle starts the test case of pickle.
func (f *Formatter) Pickle(pickle *messages.Pickle) {
	f.mu.Lock()
	defer f.mu.Unlock()

	// Wall-clock times only (Round(0) drops the monotonic reading), so that every duration
	// written is exactly the difference of the timestamps around it.
	tc := f.newTestCase(pickle, f.Storage.MustGetPickleResult(pickle.Id).StartedAt.Round(0))
	f.testCases[pickle.Id] = tc
	f.started = append(f.started, pickle.Id)
	if len(pickle.Steps) == 0 {
		// godog fails a scenario without steps as undefined (in strict mode, which conform uses).
		f.failed = true
		f.finish(tc)
	}
}

// Defined records the step definition step matched; def is nil when none did.
func (f *Formatter) Defined(pickle *messages.Pickle, step *messages.PickleStep, def *godog.StepDefinition) {
	f.mu.Lock()
	defer f.mu.Unlock()

	if s := f.step(pickle, step); s != nil && def != nil {
		s.def = def
	}
}

// Passed records a passed step.
func (f *Formatter) Passed(pickle *messages.Pickle, step *messages.PickleStep, def *godog.StepDefinition) {
	f.result(pickle, step, def, messages.TestStepResultStatus_PASSED, nil)
}

// Failed records a failed step.
func (f *Formatter) Failed(pickle *messages.Pickle, step *messages.PickleStep, def *godog.StepDefinition, err error) {
	f.result(pickle, step, def, messages.TestStepResultStatus_FAILED, err)
}

// Skipped records a skipped step.
func (f *Formatter) Skipped(pickle *messages.Pickle, step *messages.PickleStep, def *godog.StepDefinition) {
	f.result(pickle, step, def, messages.TestStepResultStatus_SKIPPED, nil)
}

// Undefined records a step no definition matches.
func (f *Formatter) Undefined(pickle *messages.Pickle, step *messages.PickleStep, def *godog.StepDefinition) {
	f.result(pickle, step, def, messages.TestStepResultStatus_UNDEFINED, nil)
}

// Pending records a step whose definition is pending.
func (f *Formatter) Pending(pickle *messages.Pickle, step *messages.PickleStep, def *godog.StepDefinition) {
	f.result(pickle, step, def, messages.TestStepResultStatus_PENDING, nil)
}

// Ambiguous records a step that several definitions match.
func (f *Formatter) Ambiguous(pickle *messages.Pickle, step *messages.PickleStep, def *godog.StepDefinition, err error) {
	f.result(pickle, step, def, messages.TestStepResultStatus_AMBIGUOUS, err)
}

// Summary finishes the test cases godog left open and writes testRunFinished.
func (f *Formatter) Summary() {
	f.mu.Lock()
	defer f.mu.Unlock()

	// godog reports nothing for a step that is ambiguous after an earlier step failed, so a test
	// case whose last step is such a step is still open here.
	for len(f.started) > 0 {
		f.finish(f.testCases[f.started[0]])
	}
	f.write(&messages.Envelope{TestRunFinished: &messages.TestRunFinished{
		Success:          !f.failed,
		Timestamp:        timestamp(f.now()),
		TestRunStartedId: f.runID,
	}})
}

// result records the outcome of step and finishes its test case after its last step.
func (f *Formatter) result(pickle *messages.Pickle, step *messages.PickleStep, def *godog.StepDefinition, status messages.TestStepResultStatus, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()

	s := f.step(pickle, step)
	if s == nil {
		return
	}
	if def != nil {
		s.def = def
	}
	s.done = true
	s.status = status
	s.err = err
	r := f.Storage.MustGetPickleStepResult(step.Id)
	s.finishedAt = r.FinishedAt.Round(0) // wall clock, as the test case's start
	for _, a := range r.Attachments {
		s.attachments = append(s.attachments, godog.Attachment{Body: a.Data, FileName: a.Name, MediaType: a.MimeType})
	}
	if status != messages.TestStepResultStatus_PASSED && status != messages.TestStepResultStatus_SKIPPED {
		f.failed = true
	}
	if step.Id == pickle.Steps[len(pickle.Steps)-1].Id {
		f.finish(f.testCases[pickle.Id])
	}
}

// step returns the open test step of step, or nil when its test case is not open.
func (f *Formatter) step(pickle *messages.Pickle, step *messages.PickleStep) *testStep {
	tc := f.testCases[pickle.Id]
	if tc == nil {
		return nil
	}
	return tc.steps[step.Id]
}

// writeFeature writes the source, gherkinDocument and pickles of a feature.
func (f *Formatter) writeFeature(doc *messages.GherkinDocument, content []byte, pickles []*messages.Pickle) {
	f.write(&messages.Envelope{Source: &messages.Source{
		Uri:       doc.Uri,
		Data:      string(content),
		MediaType: messages.SourceMediaType_TEXT_X_CUCUMBER_GHERKIN_PLAIN,
	}})
	f.write(&messages.Envelope{GherkinDocument: doc})
	for _, p := range pickles {
		f.write(&messages.Envelope{Pickle: p})
	}
}

// write writes e, an Envelope, as one line, unless an earlier write failed; or hands it to the
// sink.
func (f *Formatter) write(e any) {
	if f.sink != nil {
		f.sink(envelope(e))
		return
	}
	if f.err != nil {
		return
	}
	f.buf.Reset()
	enc := json.NewEncoder(&f.buf)
	enc.SetEscapeHTML(false) // keep bodies readable, and findable by a text redactor
	if f.err = enc.Encode(e); f.err != nil {
		return
	}
	_, f.err = f.out.Write(f.buf.Bytes())
}

// timestamp converts t to a message timestamp.
func timestamp(t time.Time) *messages.Timestamp {
	ts := messages.GoTimeToTimestamp(t)
	return &ts
}

// duration converts d to a message duration.
func duration(d time.Duration) *messages.Duration {
	md := messages.GoDurationToDuration(d)
	return &md
}
