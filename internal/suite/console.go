package suite

import (
	"bytes"
	"fmt"
	"io"
	"math/rand"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/cucumber/godog"
	"github.com/cucumber/godog/colors"
	messages "github.com/cucumber/messages/go/v34"
)

// consoleFormats are godog's formatters for people that conform wraps (see consoleFmt).
var consoleFormats = map[string]func(suite string, out io.Writer) (godog.Formatter, *godog.BaseFmt){
	"pretty": func(suite string, out io.Writer) (godog.Formatter, *godog.BaseFmt) {
		f := godog.NewPrettyFmt(suite, out)
		return f, f.Base
	},
	"progress": func(suite string, out io.Writer) (godog.Formatter, *godog.BaseFmt) {
		f := godog.NewProgressFmt(suite, out)
		return f, f.Base
	},
}

// wrapConsole returns formats with each of godog's formatters for people (pretty, progress)
// replaced by conform's wrapper of it, registered under a name of its own: with concurrency
// above 1, pretty prints each scenario whole, in the order of the run (see consoleFmt).
func wrapConsole(formats []Format, concurrency int) []Format {
	out := slices.Clone(formats)
	for i, f := range out {
		if inner, ok := consoleFormats[f.Name]; ok {
			out[i].Name = registerConsole(f.Name, inner, f.Name == "pretty" && concurrency > 1)
		}
	}
	return out
}

// registerConsole registers consoleFmt around the formatter newInner makes, and returns its
// name.
func registerConsole(name string, newInner func(string, io.Writer) (godog.Formatter, *godog.BaseFmt), ordered bool) string {
	own := fmt.Sprintf("conform-%s-%d", name, sinks.Add(1))
	registry.Lock()
	defer registry.Unlock()
	godog.Format(own, "godog's "+name+" formatter, as conform prints it", func(suite string, out io.Writer) godog.Formatter {
		to := &switchWriter{w: out}
		inner, base := newInner(suite, to)
		return &consoleFmt{BaseFmt: base, inner: inner, out: out, to: to, ordered: ordered, pickles: map[string]*pickleOut{}}
	})
	return own
}

// consoleFmt is a formatter for people (godog's pretty or progress) as conform prints it. Its
// summary counts scenarios by their outcome, as every report of conform does (see outcome):
// godog's own counts a skipped scenario as passed. With ordered set (pretty, concurrency above
// 1) it prints each scenario whole, under its feature, in the order of the run: godog hands a
// formatter each scenario's events in one go when the scenario ends, and the header of a
// feature when its first scenario starts, so that, printed as they come, features head nothing
// and outline rows land under other scenarios. A scenario that ends early waits for the ones
// before it; the output then is what one scenario at a time prints.
type consoleFmt struct {
	*godog.BaseFmt // the inner formatter's own: godog hands it the run's store through this one

	inner   godog.Formatter
	out     io.Writer     // where the report goes
	to      *switchWriter // where inner writes: out, or the buffer of what it is printing
	ordered bool

	mu       sync.Mutex // guards everything below, and to while inner writes into it
	seed     int64
	features []*featureOut // in the order godog starts them
	pickles  map[string]*pickleOut
	next     int // the feature being printed
}

// featureOut is what is held back of one feature: its header and its scenarios, in the order
// of the run.
type featureOut struct {
	header  bytes.Buffer
	printed bool     // the header was printed
	order   []string // its scenarios' (pickles') ids, in the order of the run
	done    int      // how many of order were printed
}

// pickleOut is what is held back of one scenario.
type pickleOut struct {
	buf      bytes.Buffer
	results  int // its steps that have a result
	complete bool
}

// switchWriter writes to w, which its owner changes.
type switchWriter struct{ w io.Writer }

func (s *switchWriter) Write(b []byte) (int, error) { return s.w.Write(b) }

func (f *consoleFmt) TestRunStarted() {
	f.mu.Lock()
	defer f.mu.Unlock()
	// godog tells its formatters the seed of the run only this way.
	f.seed, _ = strconv.ParseInt(os.Getenv("GODOG_SEED"), 10, 64)
	f.inner.TestRunStarted()
}

func (f *consoleFmt) Feature(gd *messages.GherkinDocument, uri string, c []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.ordered {
		f.inner.Feature(gd, uri, c)
		return
	}
	fo := &featureOut{order: f.runOrder(uri)}
	f.to.w = &fo.header
	f.inner.Feature(gd, uri, c)
	f.to.w = f.out
	f.features = append(f.features, fo)
	f.release(false)
}

// runOrder returns the ids of the scenarios of the feature in file uri in the order godog runs
// them: the file's, shuffled as godog shuffles them when the run has a seed.
func (f *consoleFmt) runOrder(uri string) []string {
	var ids []string
	for _, p := range f.Storage.MustGetPickles(uri) {
		ids = append(ids, p.Id)
	}
	slices.SortFunc(ids, pickleOrder)
	if f.seed == 0 {
		return ids
	}
	shuffled := make([]string, len(ids))
	for i, v := range rand.New(rand.NewSource(f.seed)).Perm(len(ids)) {
		shuffled[v] = ids[i]
	}
	return shuffled
}

// event hands inner one event of scenario p; result says whether it is the result of a step.
func (f *consoleFmt) event(p *messages.Pickle, result bool, call func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.ordered {
		call()
		return
	}
	po := f.pickles[p.Id]
	if po == nil {
		po = &pickleOut{}
		f.pickles[p.Id] = po
	}
	f.to.w = &po.buf
	call()
	f.to.w = f.out
	if result {
		po.results++
	}
	if po.results >= len(p.Steps) {
		po.complete = true
		f.release(false)
	}
}

// release prints, in order, what is held back and complete; all prints the rest too.
func (f *consoleFmt) release(all bool) {
	for ; f.next < len(f.features); f.next++ {
		fo := f.features[f.next]
		if !fo.printed {
			_, _ = f.out.Write(fo.header.Bytes()) // as godog's formatters, a console that fails is not the run's failure
			fo.printed = true
		}
		for ; fo.done < len(fo.order); fo.done++ {
			po := f.pickles[fo.order[fo.done]]
			if po == nil || !po.complete {
				if !all {
					return
				}
				if po == nil {
					continue // never ran (godog stopped early)
				}
			}
			_, _ = f.out.Write(po.buf.Bytes())
			delete(f.pickles, fo.order[fo.done])
		}
	}
}

func (f *consoleFmt) Pickle(p *messages.Pickle) {
	f.event(p, false, func() { f.inner.Pickle(p) })
}

func (f *consoleFmt) Defined(p *messages.Pickle, st *messages.PickleStep, d *godog.StepDefinition) {
	f.event(p, false, func() { f.inner.Defined(p, st, d) })
}

func (f *consoleFmt) Passed(p *messages.Pickle, st *messages.PickleStep, d *godog.StepDefinition) {
	f.event(p, true, func() { f.inner.Passed(p, st, d) })
}

func (f *consoleFmt) Skipped(p *messages.Pickle, st *messages.PickleStep, d *godog.StepDefinition) {
	f.event(p, true, func() { f.inner.Skipped(p, st, d) })
}

func (f *consoleFmt) Undefined(p *messages.Pickle, st *messages.PickleStep, d *godog.StepDefinition) {
	f.event(p, true, func() { f.inner.Undefined(p, st, d) })
}

func (f *consoleFmt) Failed(p *messages.Pickle, st *messages.PickleStep, d *godog.StepDefinition, err error) {
	f.event(p, true, func() { f.inner.Failed(p, st, d, err) })
}

func (f *consoleFmt) Pending(p *messages.Pickle, st *messages.PickleStep, d *godog.StepDefinition) {
	f.event(p, true, func() { f.inner.Pending(p, st, d) })
}

func (f *consoleFmt) Ambiguous(p *messages.Pickle, st *messages.PickleStep, d *godog.StepDefinition, err error) {
	f.event(p, true, func() { f.inner.Ambiguous(p, st, d, err) })
}

// scenariosLine matches godog's summary line of scenarios.
var scenariosLine = regexp.MustCompile(`(?m)^\d+ scenarios \(.*\)$`)

// Summary prints what is still held back, then godog's summary with its line of scenarios
// counted by outcome.
func (f *consoleFmt) Summary() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.release(true)
	var summary bytes.Buffer
	f.to.w = &summary
	f.inner.Summary()
	f.to.w = f.out
	b := summary.Bytes()
	if found := scenariosLine.FindAllIndex(b, -1); len(found) > 0 {
		last := found[len(found)-1]
		b = slices.Concat(b[:last[0]], []byte(f.scenarios()), b[last[1]:])
	}
	_, _ = f.out.Write(b)
}

// scenarios is godog's line of scenarios, "N scenarios (x passed, y failed, …)", with each
// scenario counted by its outcome and the skipped ones counted too.
func (f *consoleFmt) scenarios() string {
	counts := map[string]int{}
	total := 0
	for _, pr := range f.Storage.MustGetPickleResults() {
		var statuses []string
		for _, sr := range f.Storage.MustGetPickleStepResultsByPickleID(pr.PickleID) {
			statuses = append(statuses, sr.Status.String())
		}
		counts[outcome(statuses)]++
		total++
	}
	var parts []string
	for _, c := range []struct {
		status string
		colour func(interface{}) string
	}{
		{statusPassed, colors.Green}, {statusFailed, colors.Red}, {statusPending, colors.Yellow},
		{statusAmbiguous, colors.Yellow}, {statusUndefined, colors.Yellow}, {statusSkipped, colors.Cyan},
	} {
		if n := counts[c.status]; n > 0 {
			parts = append(parts, c.colour(fmt.Sprintf("%d %s", n, c.status)))
		}
	}
	return fmt.Sprintf("%d scenarios (%s)", total, strings.Join(parts, ", "))
}
