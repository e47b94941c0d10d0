package report

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	messages "github.com/cucumber/messages/go/v34"

	"github.com/conform-harness/conform/internal/evidence"
	"github.com/conform-harness/conform/internal/mediatype"
	"github.com/conform-harness/conform/oracle"
)

// Step and scenario statuses, worst first: a scenario takes the worst status of its steps.
var statusOrder = []string{"failed", "ambiguous", "undefined", "pending", "unknown", "skipped", "passed"}

func worse(a, b string) string {
	if slices.Index(statusOrder, a) <= slices.Index(statusOrder, b) {
		return a
	}
	return b
}

// page is everything the template shows.
type page struct {
	Info         Info
	Tool         string // the implementation that wrote the stream, "godog v0.16.0"
	Started      time.Time
	Duration     time.Duration
	HasDuration  bool
	Verdict      string
	VerdictClass string // pass, fail or incomplete
	RunMessage   string // why the run itself failed, when the stream says
	Scenarios    tally
	Steps        tally
	Exchanges    tally // by verdict
	Breaches     int   // invariants broken, over every scenario
	Skips        int   // scenarios skipped because the target could not be brought to a precondition
	Features     []*featureView
}

// tally counts things by status, listing the non-zero counts in a fixed order.
type tally struct {
	Total int
	Parts []tallyPart
}

type tallyPart struct {
	Status string
	N      int
}

func newTally(statuses []string, order []string) tally {
	t := tally{Total: len(statuses)}
	for _, s := range order {
		if n := count(statuses, s); n > 0 {
			t.Parts = append(t.Parts, tallyPart{s, n})
		}
	}
	return t
}

func count(xs []string, x string) int {
	n := 0
	for _, y := range xs {
		if y == x {
			n++
		}
	}
	return n
}

type featureView struct {
	ID          string
	Keyword     string
	Name        string
	URI         string
	Description []string
	Tags        []string
	Status      string
	Scenarios   []*scenarioView
}

type scenarioView struct {
	ID          string
	Keyword     string
	Name        string
	Rule        string
	Description []string
	Tags        []string // the scenario's own tags; the feature's are shown on the feature
	Example     *exampleView
	Attempt     int64
	Status      string
	Duration    time.Duration
	HasDuration bool
	Steps       []*stepView
	Timeline    *timelineView
	Notes       []noteView // attachments that belong to no step
	// SkipReason says why the scenario was skipped when the target could not be brought to a
	// precondition (evidence.Skip); "" otherwise.
	SkipReason string
}

// exampleView is the row of an Examples table a scenario outline's pickle was made from.
type exampleView struct {
	Keyword string
	Name    string
	Header  []string
	Values  []string
}

type stepView struct {
	Keyword     string
	Text        string
	Background  bool
	Hook        bool
	Status      string
	Duration    time.Duration
	HasDuration bool
	Message     string
	SkipReason  string // why the step was skipped, when a precondition could not be reached
	Table       [][]string
	DocString   string
	Breaches    []*breachView
	Exchanges   []*exchangeView
	Notes       []noteView
}

// breachView is an invariant a status document broke during a step, as the oracle reported it.
type breachView struct {
	evidence.Breach
	Listed    bool // the invariant is one the page lists, so its name links there
	Sightings []sightingView
}

// sightingView is one document of a breach: the earlier one, then the one that broke it.
type sightingView struct {
	evidence.Sighting
	Role string // "previous" or "current"
}

func newBreachView(b evidence.Breach) *breachView {
	bv := &breachView{Breach: b, Listed: oracle.InvariantName(b.Invariant) != ""}
	if b.Previous != nil {
		bv.Sightings = append(bv.Sightings, sightingView{Sighting: *b.Previous, Role: "previous"})
	}
	bv.Sightings = append(bv.Sightings, sightingView{Sighting: b.Current, Role: "current"})
	return bv
}

type exchangeView struct {
	evidence.Call
	Open        bool
	StatusText  string
	ReqHeaders  []header
	RespHeaders []header
}

type header struct{ Name, Value string }

// noteView is an attachment the report shows as text: one it does not know, or one it could
// not read.
type noteView struct {
	MediaType string
	Name      string
	Text      string
	Problem   string
}

// index holds the stream's messages by id.
type index struct {
	astSteps      map[string]*messages.Step
	background    map[string]bool // ids of background steps
	astScenarios  map[string]*messages.Scenario
	ruleOf        map[string]string // scenario id → rule name
	exampleRows   map[string]*exampleView
	pickles       map[string]*messages.Pickle
	testCases     map[string]*messages.TestCase // by pickle id
	hooks         map[string]*messages.Hook
	lastStarted   map[string]*messages.TestCaseStarted // test case id → its last attempt
	finishedCase  map[string]*messages.TestCaseFinished
	stepResults   map[[2]string]*messages.TestStepResult // (test case started id, test step id)
	attachments   map[string][]*messages.Attachment      // test case started id → in stream order
	documents     []*messages.GherkinDocument
	picklesPerURI map[string][]*messages.Pickle
}

func newIndex(envs []*messages.Envelope) *index {
	ix := &index{
		astSteps:      map[string]*messages.Step{},
		background:    map[string]bool{},
		astScenarios:  map[string]*messages.Scenario{},
		ruleOf:        map[string]string{},
		exampleRows:   map[string]*exampleView{},
		pickles:       map[string]*messages.Pickle{},
		testCases:     map[string]*messages.TestCase{},
		hooks:         map[string]*messages.Hook{},
		lastStarted:   map[string]*messages.TestCaseStarted{},
		finishedCase:  map[string]*messages.TestCaseFinished{},
		stepResults:   map[[2]string]*messages.TestStepResult{},
		attachments:   map[string][]*messages.Attachment{},
		picklesPerURI: map[string][]*messages.Pickle{},
	}
	for _, e := range envs {
		switch {
		case e.GherkinDocument != nil:
			ix.documents = append(ix.documents, e.GherkinDocument)
			if f := e.GherkinDocument.Feature; f != nil {
				ix.addChildren(f.Children, "")
			}
		case e.Pickle != nil:
			ix.pickles[e.Pickle.Id] = e.Pickle
			ix.picklesPerURI[e.Pickle.Uri] = append(ix.picklesPerURI[e.Pickle.Uri], e.Pickle)
		case e.Hook != nil:
			ix.hooks[e.Hook.Id] = e.Hook
		case e.TestCase != nil:
			ix.testCases[e.TestCase.PickleId] = e.TestCase
		case e.TestCaseStarted != nil:
			s := e.TestCaseStarted
			if prev, ok := ix.lastStarted[s.TestCaseId]; !ok || s.Attempt >= prev.Attempt {
				ix.lastStarted[s.TestCaseId] = s
			}
		case e.TestStepFinished != nil:
			f := e.TestStepFinished
			ix.stepResults[[2]string{f.TestCaseStartedId, f.TestStepId}] = f.TestStepResult
		case e.Attachment != nil:
			a := e.Attachment
			ix.attachments[a.TestCaseStartedId] = append(ix.attachments[a.TestCaseStartedId], a)
		case e.TestCaseFinished != nil:
			ix.finishedCase[e.TestCaseFinished.TestCaseStartedId] = e.TestCaseFinished
		}
	}
	return ix
}

func (ix *index) addChildren(children []*messages.FeatureChild, rule string) {
	for _, c := range children {
		switch {
		case c.Background != nil:
			ix.addBackground(c.Background)
		case c.Scenario != nil:
			ix.addScenario(c.Scenario, rule)
		case c.Rule != nil:
			for _, rc := range c.Rule.Children {
				if rc.Background != nil {
					ix.addBackground(rc.Background)
				}
				if rc.Scenario != nil {
					ix.addScenario(rc.Scenario, c.Rule.Name)
				}
			}
		}
	}
}

func (ix *index) addBackground(b *messages.Background) {
	for _, s := range b.Steps {
		ix.astSteps[s.Id] = s
		ix.background[s.Id] = true
	}
}

func (ix *index) addScenario(sc *messages.Scenario, rule string) {
	ix.astScenarios[sc.Id] = sc
	ix.ruleOf[sc.Id] = rule
	for _, s := range sc.Steps {
		ix.astSteps[s.Id] = s
	}
	for _, ex := range sc.Examples {
		var head []string
		if ex.TableHeader != nil {
			head = cellValues(ex.TableHeader.Cells)
		}
		for _, row := range ex.TableBody {
			ix.exampleRows[row.Id] = &exampleView{Keyword: ex.Keyword, Name: ex.Name, Header: head, Values: cellValues(row.Cells)}
		}
	}
}

func cellValues(cells []*messages.TableCell) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = c.Value
	}
	return out
}

// buildPage turns a stream into what the report shows. Features come in the order of their
// documents in the stream, scenarios in the order of their pickles; a scenario that was not
// run (no test case started) is left out, and so is a feature left with none. Of a retried
// scenario, the last attempt is shown.
func buildPage(envs []*messages.Envelope, info Info) *page {
	ix := newIndex(envs)
	p := &page{Info: info}
	var started, finished *messages.Timestamp
	var runFinished *messages.TestRunFinished
	for _, e := range envs {
		switch {
		case e.Meta != nil && e.Meta.Implementation != nil:
			p.Tool = strings.TrimSpace(e.Meta.Implementation.Name + " " + e.Meta.Implementation.Version)
		case e.TestRunStarted != nil:
			started = e.TestRunStarted.Timestamp
		case e.TestRunFinished != nil:
			runFinished = e.TestRunFinished
			finished = e.TestRunFinished.Timestamp
		}
	}
	if started != nil {
		p.Started = toTime(started).UTC()
		if finished != nil {
			p.Duration, p.HasDuration = toTime(finished).Sub(toTime(started)), true
		}
	}

	var scenarioStatuses, stepStatuses, verdicts []string
	for _, doc := range ix.documents {
		if doc.Feature == nil {
			continue
		}
		fv := &featureView{
			ID:          fmt.Sprintf("f%d", len(p.Features)+1),
			Keyword:     doc.Feature.Keyword,
			Name:        doc.Feature.Name,
			URI:         doc.Uri,
			Description: Paragraphs(doc.Feature.Description),
			Tags:        TagNames(doc.Feature.Tags),
			Status:      "passed",
		}
		for _, pickle := range ix.picklesPerURI[doc.Uri] {
			sv := ix.scenario(pickle, fv)
			if sv == nil {
				continue
			}
			sv.ID = fmt.Sprintf("%s-s%d", fv.ID, len(fv.Scenarios)+1)
			fv.Scenarios = append(fv.Scenarios, sv)
			fv.Status = worse(fv.Status, sv.Status)
			scenarioStatuses = append(scenarioStatuses, sv.Status)
			for _, st := range sv.Steps {
				if !st.Hook {
					stepStatuses = append(stepStatuses, st.Status)
				}
				for _, ex := range st.Exchanges {
					verdicts = append(verdicts, ex.Verdict)
				}
				p.Breaches += len(st.Breaches)
			}
			if sv.SkipReason != "" {
				p.Skips++
			}
		}
		if len(fv.Scenarios) > 0 {
			p.Features = append(p.Features, fv)
		}
	}
	p.Scenarios = newTally(scenarioStatuses, statusOrder)
	p.Steps = newTally(stepStatuses, statusOrder)
	p.Exchanges = newTally(verdicts, []string{evidence.Violates, evidence.Failed, evidence.Conforms})

	switch {
	case runFinished == nil:
		p.Verdict, p.VerdictClass = "Incomplete: the run did not finish", "incomplete"
	case runFinished.Success:
		p.Verdict, p.VerdictClass = "Conforms", "pass"
	case slices.Contains(scenarioStatuses, "failed"):
		p.Verdict, p.VerdictClass = "Does not conform", "fail"
	default:
		p.Verdict, p.VerdictClass = "Failed: not every step could run", "fail"
	}
	if info.Stopped != "" && p.VerdictClass != "fail" {
		// Skipped scenarios of a stopped run prove nothing either way.
		p.Verdict, p.VerdictClass = "Incomplete: "+info.Stopped, "incomplete"
	}
	if runFinished != nil {
		p.RunMessage = runFinished.Message
		if runFinished.Exception != nil {
			p.RunMessage = strings.TrimSpace(p.RunMessage + "\n" + exceptionText(runFinished.Exception))
		}
	}
	return p
}

// scenario builds the view of one pickle's last attempt, or nil when it was not run.
func (ix *index) scenario(pickle *messages.Pickle, f *featureView) *scenarioView {
	tc := ix.testCases[pickle.Id]
	if tc == nil {
		return nil
	}
	started := ix.lastStarted[tc.Id]
	if started == nil {
		return nil
	}
	sv := &scenarioView{Keyword: "Scenario", Name: pickle.Name, Attempt: started.Attempt, Status: "passed"}
	if len(pickle.AstNodeIds) > 0 {
		if sc := ix.astScenarios[pickle.AstNodeIds[0]]; sc != nil {
			sv.Keyword = sc.Keyword
			sv.Description = Paragraphs(sc.Description)
			sv.Rule = ix.ruleOf[sc.Id]
		}
	}
	if len(pickle.AstNodeIds) > 1 {
		sv.Example = ix.exampleRows[pickle.AstNodeIds[len(pickle.AstNodeIds)-1]]
	}
	for _, t := range pickle.Tags {
		if !slices.Contains(f.Tags, t.Name) && !slices.Contains(sv.Tags, t.Name) {
			sv.Tags = append(sv.Tags, t.Name)
		}
	}
	finished := ix.finishedCase[started.Id]
	if finished != nil && finished.Timestamp != nil && started.Timestamp != nil {
		sv.Duration, sv.HasDuration = toTime(finished.Timestamp).Sub(toTime(started.Timestamp)), true
	}

	pickleSteps := map[string]*messages.PickleStep{}
	for _, ps := range pickle.Steps {
		pickleSteps[ps.Id] = ps
	}
	var steps []*stepView
	byStep := map[string]*stepView{}
	for _, ts := range tc.TestSteps {
		st := ix.step(ts, pickleSteps, started.Id)
		byStep[ts.Id] = st
		steps = append(steps, st)
	}
	// outside collects what was attached to no step of this test case.
	outside := &stepView{Keyword: "Outside any step", Hook: true, Status: "passed"}

	var timelines []evidence.Timeline
	var breaches []evidence.Breach
	for _, a := range ix.attachments[started.Id] {
		st := byStep[a.TestStepId]
		if st == nil {
			st = outside
		}
		body, err := attachmentBody(a)
		if err != nil {
			st.Notes = append(st.Notes, noteView{MediaType: a.MediaType, Name: a.FileName, Problem: err.Error()})
			continue
		}
		switch a.MediaType {
		case evidence.TimelineMediaType:
			var tl evidence.Timeline
			if err := json.Unmarshal(body, &tl); err != nil {
				st.Notes = append(st.Notes, noteView{MediaType: a.MediaType, Name: a.FileName, Problem: "unreadable timeline: " + err.Error()})
				continue
			}
			timelines = append(timelines, tl)
		case evidence.ExchangeMediaType:
			var ex evidence.Call
			if err := json.Unmarshal(body, &ex); err != nil {
				st.Notes = append(st.Notes, noteView{MediaType: a.MediaType, Name: a.FileName, Problem: "unreadable exchange: " + err.Error()})
				continue
			}
			st.Exchanges = append(st.Exchanges, newExchangeView(ex, st))
		case evidence.BreachMediaType:
			var b evidence.Breach
			if err := json.Unmarshal(body, &b); err != nil {
				st.Notes = append(st.Notes, noteView{MediaType: a.MediaType, Name: a.FileName, Problem: "unreadable invariant breach: " + err.Error()})
				continue
			}
			breaches = append(breaches, b)
			st.Breaches = append(st.Breaches, newBreachView(b))
		case evidence.SkipMediaType:
			var sk evidence.Skip
			if err := json.Unmarshal(body, &sk); err != nil {
				st.Notes = append(st.Notes, noteView{MediaType: a.MediaType, Name: a.FileName, Problem: "unreadable skip: " + err.Error()})
				continue
			}
			st.SkipReason = sk.Reason
			if sv.SkipReason == "" {
				sv.SkipReason = sk.Reason
			}
		default:
			note := noteView{MediaType: a.MediaType, Name: a.FileName, Text: string(body)}
			if !mediatype.IsText(a.MediaType) {
				note.Text = fmt.Sprintf("(%d bytes, not shown)", len(body))
			}
			st.Notes = append(st.Notes, note)
		}
	}
	// A hook is worth a line only when it failed or attached something.
	for _, st := range append(steps, outside) {
		if !st.Hook || st.Status != "passed" || len(st.Breaches) > 0 || len(st.Exchanges) > 0 || len(st.Notes) > 0 {
			sv.Steps = append(sv.Steps, st)
		}
	}

	if len(timelines) > 0 {
		sv.Timeline = newTimelineView(mergeTimelines(timelines), breaches)
	}
	for _, st := range sv.Steps {
		sv.Status = worse(sv.Status, st.Status)
	}
	if finished == nil {
		sv.Status = worse(sv.Status, "unknown") // a failure is still a failure
	}
	return sv
}

// step builds the view of one test step of an attempt.
func (ix *index) step(ts *messages.TestStep, pickleSteps map[string]*messages.PickleStep, startedID string) *stepView {
	st := &stepView{Status: "unknown"}
	if res := ix.stepResults[[2]string{startedID, ts.Id}]; res != nil {
		st.Status = strings.ToLower(string(res.Status))
		if !slices.Contains(statusOrder, st.Status) {
			st.Status = "unknown"
		}
		if res.Duration != nil {
			st.Duration, st.HasDuration = messages.DurationToGoDuration(*res.Duration), true
		}
		st.Message = res.Message
		if res.Exception != nil && st.Message == "" {
			st.Message = exceptionText(res.Exception)
		}
	} else if ix.finishedCase[startedID] != nil {
		st.Status = "skipped" // the attempt ended without running it
	}
	if ts.HookId != "" {
		st.Hook = true
		st.Keyword = "Hook"
		if h := ix.hooks[ts.HookId]; h != nil {
			st.Keyword = hookName(h)
		}
		return st
	}
	ps := pickleSteps[ts.PickleStepId]
	if ps == nil {
		st.Text = "(a step the stream does not describe)"
		return st
	}
	st.Text = ps.Text
	if len(ps.AstNodeIds) > 0 {
		if as := ix.astSteps[ps.AstNodeIds[0]]; as != nil {
			st.Keyword = strings.TrimSpace(as.Keyword)
			st.Background = ix.background[as.Id]
		}
	}
	if arg := ps.Argument; arg != nil {
		if arg.DataTable != nil {
			for _, r := range arg.DataTable.Rows {
				row := make([]string, len(r.Cells))
				for i, c := range r.Cells {
					row[i] = c.Value
				}
				st.Table = append(st.Table, row)
			}
		}
		if arg.DocString != nil {
			st.DocString = arg.DocString.Content
		}
	}
	return st
}

func hookName(h *messages.Hook) string {
	if h.Name != "" {
		return h.Name
	}
	switch h.Type {
	case messages.HookType_BEFORE_TEST_CASE:
		return "Before scenario"
	case messages.HookType_AFTER_TEST_CASE:
		return "After scenario"
	case messages.HookType_BEFORE_TEST_STEP:
		return "Before step"
	case messages.HookType_AFTER_TEST_STEP:
		return "After step"
	}
	return "Hook"
}

func newExchangeView(ex evidence.Call, st *stepView) *exchangeView {
	xv := &exchangeView{
		Call:        ex,
		Open:        ex.Verdict != evidence.Conforms || (st != nil && st.Status == "failed"),
		ReqHeaders:  headers(ex.RequestHeaders),
		RespHeaders: headers(ex.ResponseHeaders),
	}
	if ex.Status != 0 {
		xv.StatusText = http.StatusText(ex.Status)
	}
	return xv
}

func headers(h map[string][]string) []header {
	var out []header
	for name, values := range h {
		for _, v := range values {
			out = append(out, header{name, v})
		}
	}
	slices.SortStableFunc(out, func(a, b header) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

// mergeTimelines joins the timelines a scenario attached: a later report of a request replaces
// an earlier one (steps may attach the timeline so far more than once).
func mergeTimelines(tls []evidence.Timeline) evidence.Timeline {
	var out evidence.Timeline
	at := map[string]int{}
	for _, tl := range tls {
		for _, rt := range tl.Requests {
			if i, ok := at[rt.ID]; ok {
				out.Requests[i] = rt
				continue
			}
			at[rt.ID] = len(out.Requests)
			out.Requests = append(out.Requests, rt)
		}
	}
	return out
}

func attachmentBody(a *messages.Attachment) ([]byte, error) {
	switch a.ContentEncoding {
	case messages.AttachmentContentEncoding_BASE64:
		b, err := base64.StdEncoding.DecodeString(a.Body)
		if err != nil {
			return nil, fmt.Errorf("attachment is not valid base64: %w", err)
		}
		return b, nil
	case messages.AttachmentContentEncoding_IDENTITY, "":
		return []byte(a.Body), nil
	default:
		return nil, fmt.Errorf("attachment has an unknown content encoding %q", string(a.ContentEncoding))
	}
}

func exceptionText(e *messages.Exception) string {
	if e.Message == "" {
		return e.Type
	}
	return e.Type + ": " + e.Message
}

// TagNames returns the names of tags, "@" included, in order; nil for none.
func TagNames(tags []*messages.Tag) []string {
	var out []string
	for _, t := range tags {
		out = append(out, t.Name)
	}
	return out
}

func toTime(ts *messages.Timestamp) time.Time {
	return messages.TimestampToGoTime(*ts)
}

// Paragraphs splits a Gherkin description into paragraphs at blank lines, with the common
// indentation of its lines removed (a paragraph keeps its line breaks). It returns nil for an empty
// description.
func Paragraphs(description string) []string {
	lines := strings.Split(strings.ReplaceAll(description, "\r\n", "\n"), "\n")
	indent := -1
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		n := len(l) - len(strings.TrimLeft(l, " \t"))
		if indent < 0 || n < indent {
			indent = n
		}
	}
	var out []string
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.Join(cur, "\n"))
			cur = nil
		}
	}
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			flush()
			continue
		}
		cur = append(cur, strings.TrimRight(l[indent:], " \t"))
	}
	flush()
	return out
}
