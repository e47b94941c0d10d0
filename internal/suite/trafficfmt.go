package suite

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	messages "github.com/cucumber/messages/go/v34"

	"github.com/conform-harness/conform/internal/messagefmt"
)

// The reports of recorded traffic, written as godog v0.16's formatters write a run's (its
// internal/formatters, and conform's own around them: console.go, junit.go, cucumberjson.go,
// internal/messagefmt), from the judged traffic instead of from godog's store. What a run's
// formatters print of a step definition (its Go function) names the one that judges a step of
// traffic.

// trafficDefinition is how the reports name the step definition of traffic, as godog names a
// step function: "file.go:line -> receiver".
var trafficDefinition = func() string {
	fn := runtime.FuncForPC(reflect.ValueOf((*trafficStep).judgeExchange).Pointer())
	file, line := fn.FileLine(fn.Entry())
	name := fn.Name()
	if i := strings.LastIndex(name, "("); i >= 0 {
		if j := strings.Index(name[i:], ")"); j >= 0 {
			name = name[i+1 : i+j]
		}
	}
	return fmt.Sprintf("%s:%d -> %s", filepath.Base(file), line, name)
}()

// write writes each report of formats: to its file, or whole to out, those godog writes as the
// run goes first, then JUnit and Cucumber JSON, which it writes when the run ends. envelopes,
// when set, gets the Cucumber Messages. Every report is tried, and every failure said.
func (run *trafficRun) write(formats []Format, out io.Writer, envelopes func([]*messages.Envelope) error) error {
	var envs []*messages.Envelope
	if envelopes != nil || slices.ContainsFunc(formats, func(f Format) bool { return f.Name == messagefmt.Name }) {
		envs = run.envelopes()
	}
	var errs []error
	var atEnd []Format
	for _, f := range formats {
		if f.Path == "" && (f.Name == "junit" || f.Name == "cucumber") {
			atEnd = append(atEnd, f)
			continue
		}
		errs = append(errs, run.writeFormat(f, out, envs))
	}
	for _, f := range atEnd {
		errs = append(errs, run.writeFormat(f, out, envs))
	}
	if envelopes != nil {
		errs = append(errs, envelopes(envs))
	}
	return errors.Join(errs...)
}

// writeFormat writes the report of f, to its file or to out.
func (run *trafficRun) writeFormat(f Format, out io.Writer, envs []*messages.Envelope) error {
	var b bytes.Buffer
	var err error
	switch f.Name {
	case "pretty":
		run.pretty(&b)
	case "progress":
		run.progress(&b)
	case "events":
		err = run.events(&b)
	case "junit":
		err = run.junit(&b)
	case "cucumber":
		err = run.cucumber(&b)
	case messagefmt.Name:
		for _, e := range envs {
			if err = messagefmt.Encode(&b, e); err != nil {
				break
			}
		}
	}
	if err != nil {
		return fmt.Errorf("the %s report: %w", f.Name, err)
	}
	if f.Path == "" {
		if _, err := out.Write(b.Bytes()); err != nil {
			return fmt.Errorf("write the %s report: %w", f.Name, err)
		}
		return nil
	}
	if dir := filepath.Dir(f.Path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return &UsageError{Err: fmt.Errorf("--format %s: create report directory: %w", f.Name, err)}
		}
	}
	if err := os.WriteFile(f.Path, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write report %s: %w", f.Path, err)
	}
	return nil
}

// stepLength is how wide godog's pretty formatter counts a step or a scenario's heading.
func stepLength(keyword, text string) int {
	return 4 + utf8.RuneCountInString(strings.TrimSpace(keyword)+" "+text)
}

// pretty writes the traffic as godog's pretty formatter does: each scenario with its steps and
// where they are defined, the error of a failed step under it, the failed steps again, and the
// counts.
func (run *trafficRun) pretty(w io.Writer) {
	fmt.Fprintf(w, "Feature: %s\n", run.title)
	for _, sc := range run.scenarios {
		header := 2 + utf8.RuneCountInString("Scenario: "+sc.name)
		longest := header
		for _, st := range sc.steps {
			longest = max(longest, stepLength(st.keyword, st.text))
		}
		fmt.Fprintf(w, "\n  Scenario: %s%s # %s:%d\n", sc.name, strings.Repeat(" ", longest-header), trafficURI, sc.line)
		for _, st := range sc.steps {
			fmt.Fprintf(w, "    %s %s%s# %s\n", strings.TrimSpace(st.keyword), st.text, strings.Repeat(" ", longest-stepLength(st.keyword, st.text)+1), trafficDefinition)
			if st.status == statusFailed {
				fmt.Fprintf(w, "    %s\n", st.err)
			}
		}
	}
	run.failedSteps(w, "\n--- Failed steps:\n\n", func(sc *trafficScenario, st *trafficStep) string {
		return fmt.Sprintf("  Scenario: %s # %s:%d\n    %s %s # %s:%d\n      Error: %s\n\n",
			sc.name, trafficURI, sc.line, strings.TrimSpace(st.keyword), st.text, trafficURI, st.line, st.err)
	})
	run.summary(w)
}

// progress writes the traffic as godog's progress formatter does: a character per step, 70 to a
// line, the failed steps, and the counts.
func (run *trafficRun) progress(w io.Writer) {
	const perRow = 70
	n := 0
	for _, sc := range run.scenarios {
		for _, st := range sc.steps {
			switch st.status {
			case statusPassed:
				io.WriteString(w, ".")
			case statusFailed:
				io.WriteString(w, "F")
			case statusSkipped:
				io.WriteString(w, "-")
			}
			if n++; n%perRow == 0 {
				fmt.Fprintf(w, " %d\n", n)
			}
		}
	}
	if left := n % perRow; left != 0 {
		if n > perRow {
			io.WriteString(w, strings.Repeat(" ", perRow-left))
		}
		fmt.Fprintf(w, " %d\n", n)
	}
	// godog joins the failed steps' lines, a blank one after each, with newlines: the last
	// blank line is the one newline that ends the list.
	var failed bytes.Buffer
	run.failedSteps(&failed, "\n\n--- Failed steps:\n\n", func(sc *trafficScenario, st *trafficStep) string {
		return fmt.Sprintf("  Scenario: %s # %s:%d\n    %s %s # %s:%d\n      Error: %s\n\n",
			sc.name, trafficURI, sc.line, strings.TrimSpace(st.keyword), st.text, trafficURI, st.line, st.err)
	})
	w.Write(bytes.TrimSuffix(failed.Bytes(), []byte("\n")))
	io.WriteString(w, "\n")
	run.summary(w)
}

// failedSteps writes heading, then each failed step as line gives it, in the order of the
// feature; nothing when no step failed.
func (run *trafficRun) failedSteps(w io.Writer, heading string, line func(*trafficScenario, *trafficStep) string) {
	first := true
	for _, sc := range run.scenarios {
		for _, st := range sc.steps {
			if st.status != statusFailed {
				continue
			}
			if first {
				io.WriteString(w, heading)
				first = false
			}
			io.WriteString(w, line(sc, st))
		}
	}
}

// summary writes godog's counts of scenarios, by their outcome, and of steps, and the time the
// traffic took to judge.
func (run *trafficRun) summary(w io.Writer) {
	scenarios := map[string]int{}
	steps := map[string]int{}
	total := 0
	for _, sc := range run.scenarios {
		scenarios[sc.outcome()]++
		for _, st := range sc.steps {
			steps[st.status]++
			total++
		}
	}
	parts := func(counts map[string]int, order ...string) string {
		var out []string
		for _, s := range order {
			if counts[s] > 0 {
				out = append(out, fmt.Sprintf("%d %s", counts[s], s))
			}
		}
		return strings.Join(out, ", ")
	}
	fmt.Fprintf(w, "\n%d scenarios (%s)\n", len(run.scenarios), parts(scenarios, statusPassed, statusFailed, statusSkipped))
	fmt.Fprintf(w, "%d steps (%s)\n", total, parts(steps, statusPassed, statusFailed, statusSkipped))
	elapsed := time.Since(run.started).String()
	fmt.Fprintln(w, elapsed)
}

// millis is godog's timestamp of its events: milliseconds since the epoch.
func millis(t time.Time) int64 { return t.UnixNano() / int64(time.Millisecond) }

// events writes the traffic as godog's events formatter writes a run (its own event protocol,
// not Cucumber Messages), as godog writes it: an attachment's body as it is, though it says
// base64.
func (run *trafficRun) events(w io.Writer) error {
	enc := json.NewEncoder(w)
	type (
		located struct {
			Event     string `json:"event"`
			Location  string `json:"location"`
			Timestamp int64  `json:"timestamp"`
		}
		stepFinished struct {
			Event     string `json:"event"`
			Location  string `json:"location"`
			Timestamp int64  `json:"timestamp"`
			Status    string `json:"status"`
			Summary   string `json:"summary,omitempty"`
		}
		caseFinished struct {
			Event     string `json:"event"`
			Location  string `json:"location"`
			Timestamp int64  `json:"timestamp"`
			Status    string `json:"status"`
		}
	)
	var errs []error
	event := func(e any) { errs = append(errs, enc.Encode(e)) }
	event(struct {
		Event     string `json:"event"`
		Version   string `json:"version"`
		Timestamp int64  `json:"timestamp"`
		Suite     string `json:"suite"`
	}{"TestRunStarted", "0.1.0", millis(run.started), "conform"})
	event(struct {
		Event    string `json:"event"`
		Location string `json:"location"`
		Source   string `json:"source"`
	}{"TestSource", trafficURI + ":1", run.source})
	status := statusPassed
	for _, sc := range run.scenarios {
		at := fmt.Sprintf("%s:%d", trafficURI, sc.line)
		event(located{"TestCaseStarted", at, millis(sc.started)})
		last := statusPassed
		start := sc.started
		for i, st := range sc.steps {
			where := fmt.Sprintf("%s:%d", trafficURI, st.line)
			m := trafficStepExpr.FindStringSubmatchIndex(st.text)[2:]
			args := make([][2]int, 0, len(m)/2)
			for i := 0; i < len(m)/2; i++ { // godog's pairs, as it makes them
				args = append(args, [2]int{m[i], m[i+1]})
			}
			event(struct {
				Event    string   `json:"event"`
				Location string   `json:"location"`
				DefID    string   `json:"definition_id"`
				Args     [][2]int `json:"arguments"`
			}{"StepDefinitionFound", where, trafficDefinition, args})
			event(located{"TestStepStarted", where, millis(start)})
			for _, a := range sc.attachments(i) {
				event(struct {
					Event           string `json:"event"`
					Location        string `json:"location"`
					Timestamp       int64  `json:"timestamp"`
					ContentEncoding string `json:"contentEncoding"`
					FileName        string `json:"fileName"`
					MimeType        string `json:"mimeType"`
					Body            string `json:"body"`
				}{"Attachment", where, millis(st.finished), messages.AttachmentContentEncoding_BASE64.String(), a.name, a.mediaType, string(a.body)})
			}
			event(stepFinished{"TestStepFinished", where, millis(st.finished), st.status, st.err})
			if st.status != statusSkipped {
				last = st.status
			}
			if st.status == statusFailed {
				status = statusFailed
			}
			start = st.finished
		}
		event(caseFinished{"TestCaseFinished", at, millis(start), last})
	}
	event(struct {
		Event     string `json:"event"`
		Status    string `json:"status"`
		Timestamp int64  `json:"timestamp"`
		Snippets  string `json:"snippets"`
		Memory    string `json:"memory"`
	}{"TestRunFinished", status, millis(time.Now()), "", ""})
	return errors.Join(errs...)
}

// seconds is godog's JUnit time: seconds, as short as they can be written.
func seconds(from, to time.Time) string {
	return strconv.FormatFloat(to.Sub(from).Seconds(), 'f', -1, 64)
}

// junit writes the traffic's JUnit report as a run's: godog's, settled (junitPackageSuite.settle).
func (run *trafficRun) junit(w io.Writer) error {
	ts := &junitTestSuite{Name: run.title}
	doc := &junitPackageSuite{Name: "conform", TestSuites: []*junitTestSuite{ts}, Time: seconds(run.started, time.Now())}
	first, last := run.started, run.started
	for i, sc := range run.scenarios {
		tc := &junitTestCase{Name: sc.name}
		if i == 0 {
			first = sc.started
		}
		last = sc.steps[len(sc.steps)-1].finished
		tc.Time = seconds(sc.started, last)
		for _, st := range sc.steps {
			switch st.status {
			case statusPassed:
				tc.Status = statusPassed
			case statusFailed:
				tc.Status = statusFailed
				tc.Failure = &junitFailure{Message: fmt.Sprintf("Step %s: %s", st.text, st.err)}
			case statusSkipped:
				tc.Error = append(tc.Error, &junitError{Type: statusSkipped, Message: "Step " + st.text})
			}
		}
		ts.TestCases = append(ts.TestCases, tc)
	}
	ts.Time = seconds(first, last)
	doc.settle(nil)
	b, err := doc.encode()
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// cucumber writes the traffic's Cucumber JSON report as godog writes a run's.
func (run *trafficRun) cucumber(w io.Writer) error {
	id := strings.ReplaceAll(strings.ToLower(run.title), " ", "-")
	feat := cukeFeature{URI: trafficURI, ID: id, Keyword: "Feature", Name: run.title, Line: 1}
	location := strings.Split(trafficDefinition, " ")[0]
	for _, sc := range run.scenarios {
		el := cukeElement{ID: id + ";" + strings.ReplaceAll(strings.ToLower(sc.name), " ", "-"), Keyword: "Scenario", Name: sc.name,
			Line: sc.line, Type: "scenario", Steps: make([]cukeStep, len(sc.steps))}
		start := sc.started
		for i, st := range sc.steps {
			step := cukeStep{Keyword: st.keyword, Name: st.text, Line: st.line, Match: cukeMatch{Location: location},
				Result: cukeResult{Status: st.status, Error: st.err}}
			if st.status != statusSkipped {
				d := int(st.finished.Sub(start).Nanoseconds())
				step.Result.Duration = &d
			}
			start = st.finished
			for _, a := range sc.attachments(i) {
				step.Embeddings = append(step.Embeddings, cukeEmbedding{Name: a.name, MimeType: a.mediaType, Data: base64.StdEncoding.EncodeToString(a.body)})
			}
			el.Steps[i] = step
		}
		feat.Elements = append(feat.Elements, el)
	}
	b, err := json.MarshalIndent([]cukeFeature{feat}, "", "    ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// later returns the later of a and b.
func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// envelopes returns the traffic as Cucumber Messages, in the order internal/messagefmt writes a
// run of one scenario at a time: the feature's source, document and pickles, then each test
// case whole.
func (run *trafficRun) envelopes() []*messages.Envelope {
	newID := messages.UUID{}.NewId
	ts := func(t time.Time) *messages.Timestamp {
		m := messages.GoTimeToTimestamp(t)
		return &m
	}
	// Gherkin's ids, as godog's parser numbers them: the document's nodes in order (each
	// scenario after its steps), then each pickle's steps and the pickle.
	next := 0
	id := func() string {
		next++
		return strconv.Itoa(next - 1)
	}
	feature := &messages.Feature{Location: &messages.Location{Line: 1, Column: 1}, Tags: []*messages.Tag{}, Language: "en",
		Keyword: "Feature", Name: run.title}
	stepIDs := make([][]string, len(run.scenarios))
	scenarioIDs := make([]string, len(run.scenarios))
	for i, sc := range run.scenarios {
		s := &messages.Scenario{Location: &messages.Location{Line: int64(sc.line), Column: 3}, Tags: []*messages.Tag{}, Keyword: "Scenario",
			Name: sc.name, Examples: []*messages.Examples{}}
		for j, st := range sc.steps {
			kind := messages.StepKeywordType_CONJUNCTION
			if j == 0 {
				kind = messages.StepKeywordType_OUTCOME
			}
			step := &messages.Step{Location: &messages.Location{Line: int64(st.line), Column: 5}, Keyword: st.keyword, KeywordType: kind, Text: st.text, Id: id()}
			s.Steps = append(s.Steps, step)
			stepIDs[i] = append(stepIDs[i], step.Id)
		}
		s.Id = id()
		scenarioIDs[i] = s.Id
		feature.Children = append(feature.Children, &messages.FeatureChild{Scenario: s})
	}
	envs := []*messages.Envelope{
		{Meta: messagefmt.Meta()},
		{Source: &messages.Source{Uri: trafficURI, Data: run.source, MediaType: messages.SourceMediaType_TEXT_X_CUCUMBER_GHERKIN_PLAIN}},
		{GherkinDocument: &messages.GherkinDocument{Uri: trafficURI, Feature: feature, Comments: []*messages.Comment{}}},
	}
	pickles := make([]*messages.Pickle, len(run.scenarios))
	for i, sc := range run.scenarios {
		p := &messages.Pickle{Uri: trafficURI, Location: &messages.Location{Line: int64(sc.line), Column: 3}, Name: sc.name, Language: "en",
			Tags: []*messages.PickleTag{}, AstNodeIds: []string{scenarioIDs[i]}}
		for j, st := range sc.steps {
			p.Steps = append(p.Steps, &messages.PickleStep{AstNodeIds: []string{stepIDs[i][j]}, Id: id(), Type: messages.PickleStepType_OUTCOME, Text: st.text})
		}
		p.Id = id()
		pickles[i] = p
		envs = append(envs, &messages.Envelope{Pickle: p})
	}
	runID := newID()
	envs = append(envs, &messages.Envelope{TestRunStarted: &messages.TestRunStarted{Id: runID, Timestamp: ts(run.started)}})
	defID := newID()
	envs = append(envs, &messages.Envelope{StepDefinition: &messages.StepDefinition{Id: defID,
		Pattern:         &messages.StepDefinitionPattern{Source: trafficPattern, Type: messages.StepDefinitionPatternType_REGULAR_EXPRESSION},
		SourceReference: &messages.SourceReference{}}})
	for i, sc := range run.scenarios {
		tc := &messages.TestCase{Id: newID(), PickleId: pickles[i].Id, TestRunStartedId: runID}
		for j, st := range sc.steps {
			args := &messages.StepMatchArgumentsList{}
			m := trafficStepExpr.FindStringSubmatchIndex(st.text)
			for g := 1; g < len(m)/2; g++ {
				if m[2*g] >= 0 && m[2*g] < m[2*g+1] {
					args.StepMatchArguments = append(args.StepMatchArguments, &messages.StepMatchArgument{Group: &messages.Group{Start: int64(m[2*g]), Value: st.text[m[2*g]:m[2*g+1]]}})
				}
			}
			tc.TestSteps = append(tc.TestSteps, &messages.TestStep{Id: newID(), PickleStepId: pickles[i].Steps[j].Id,
				StepDefinitionIds: []string{defID}, StepMatchArgumentsLists: []*messages.StepMatchArgumentsList{args}})
		}
		started := newID()
		envs = append(envs, &messages.Envelope{TestCase: tc},
			&messages.Envelope{TestCaseStarted: &messages.TestCaseStarted{Id: started, TestCaseId: tc.Id, Timestamp: ts(sc.started)}})
		at := sc.started
		for j, st := range sc.steps {
			end := later(at, st.finished) // never before its start, should the clock go back
			stepID := tc.TestSteps[j].Id
			envs = append(envs, &messages.Envelope{TestStepStarted: &messages.TestStepStarted{TestCaseStartedId: started, TestStepId: stepID, Timestamp: ts(at)}})
			for _, a := range sc.attachments(j) {
				envs = append(envs, &messages.Envelope{Attachment: messagefmt.Attachment(a.body, a.name, a.mediaType, started, stepID)})
			}
			status := messages.TestStepResultStatus_PASSED
			switch st.status {
			case statusFailed:
				status = messages.TestStepResultStatus_FAILED
			case statusSkipped:
				status = messages.TestStepResultStatus_SKIPPED
			}
			d := messages.GoDurationToDuration(end.Sub(at))
			envs = append(envs, &messages.Envelope{TestStepFinished: &messages.TestStepFinished{TestCaseStartedId: started, TestStepId: stepID,
				TestStepResult: &messages.TestStepResult{Duration: &d, Status: status, Message: st.err}, Timestamp: ts(end)}})
			at = end
		}
		envs = append(envs, &messages.Envelope{TestCaseFinished: &messages.TestCaseFinished{TestCaseStartedId: started, Timestamp: ts(at)}})
	}
	return append(envs, &messages.Envelope{TestRunFinished: &messages.TestRunFinished{Success: !run.failed(), Timestamp: ts(time.Now()), TestRunStartedId: runID}})
}
