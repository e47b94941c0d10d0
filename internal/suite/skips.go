package suite

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/cucumber/godog"

	"github.com/conform-harness/conform/steps"
)

// Skip is a scenario skipped because the target could not be brought to one of its
// preconditions (steps.PreconditionError): it proves nothing about the target either way. With
// Options.Config.StrictPreconditions such a scenario fails instead, and there are none.
type Skip struct {
	Feature  string // the feature's name
	URI      string // its file, as the reports name it
	Scenario string // the scenario's name
	Step     string // the step whose precondition was not reached
	Reason   string // what was wanted and what the target did instead (redacted)
}

// WriteSkipped writes, for people, one line per scenario the run skipped because the target
// could not be brought to a precondition, under a line that says what that means; nothing when
// there is none. A console prints it to stderr after the run.
func (r Result) WriteSkipped(w io.Writer) error {
	if len(r.Skipped) == 0 {
		return nil
	}
	if _, err := fmt.Fprintf(w, "conform: skipped %d scenario(s): the target could not be brought to a precondition, "+
		"which proves nothing either way (strict preconditions fail them instead):\n", len(r.Skipped)); err != nil {
		return err
	}
	for _, s := range r.Skipped {
		if _, err := fmt.Fprintf(w, "  %s (%s): skipped: %s\n", strconv.Quote(s.Scenario), s.URI, s.Reason); err != nil {
			return err
		}
	}
	return nil
}

// skipLog collects, while godog runs, every scenario that starts and the ones skipped, for a
// precondition or because the run was interrupted. The reports that godog writes without the reason (JUnit, Cucumber JSON) get it
// from here afterwards, matched to their scenarios as godog names and orders them.
type skipLog struct {
	mu      sync.Mutex               // guards started and skips
	started []startedCase            // every scenario that started, in no particular order
	skips   []skippedCase            // the ones skipped for a precondition
	names   func() map[string]string // feature names by URI, asked for only when a scenario was skipped
}

// startedCase is one scenario (godog's pickle) of the run.
type startedCase struct{ id, uri, name string }

// skippedCase is a scenario skipped, before its feature is named: for a precondition not
// reached, or because the run was interrupted (precondition false).
type skippedCase struct {
	startedCase
	step, reason string
	precondition bool
}

// initializer returns inner with the hooks that feed the log: its own scenario and step hooks,
// registered after inner's, so a step's error is the one the steps reported.
func (l *skipLog) initializer(inner func(*godog.ScenarioContext)) func(*godog.ScenarioContext) {
	return func(sc *godog.ScenarioContext) {
		inner(sc)
		var sc0 startedCase
		sc.Before(func(ctx context.Context, p *godog.Scenario) (context.Context, error) {
			sc0 = startedCase{id: p.Id, uri: p.Uri, name: p.Name}
			l.mu.Lock()
			defer l.mu.Unlock()
			l.started = append(l.started, sc0)
			return ctx, nil
		})
		sc.StepContext().After(func(ctx context.Context, st *godog.Step, _ godog.StepResultStatus, err error) (context.Context, error) {
			reason, precondition := steps.SkipReason(err)
			if !precondition {
				if !errors.Is(err, godog.ErrSkip) {
					return ctx, nil
				}
				// The step skipped itself (the run was interrupted): only the first skipped
				// step of a scenario has an error, and it says why.
				reason = strings.TrimPrefix(err.Error(), godog.ErrSkip.Error()+": ")
			}
			l.mu.Lock()
			defer l.mu.Unlock()
			l.skips = append(l.skips, skippedCase{startedCase: sc0, step: st.Text, reason: reason, precondition: precondition})
			return ctx, nil
		})
	}
}

// skipped returns the scenarios skipped for a precondition, each with its feature's name, in
// the order of their files and of the scenarios in them.
func (l *skipLog) skipped() []Skip {
	l.mu.Lock()
	defer l.mu.Unlock()
	list := slices.DeleteFunc(slices.Clone(l.skips), func(s skippedCase) bool { return !s.precondition })
	if len(list) == 0 {
		return nil
	}
	names := l.names()
	slices.SortStableFunc(list, func(a, b skippedCase) int {
		if a.uri != b.uri {
			if a.uri < b.uri {
				return -1
			}
			return 1
		}
		return pickleOrder(a.id, b.id)
	})
	out := make([]Skip, len(list))
	for i, s := range list {
		out[i] = Skip{Feature: names[s.uri], URI: s.uri, Scenario: s.name, Step: s.step, Reason: s.reason}
	}
	return out
}

// reportCase is a skipped scenario as godog's JUnit and Cucumber JSON
// reports find it: in its feature, by its name and its rank among the feature's scenarios of
// that name (the rows of an outline whose name has no placeholder share it). Both reports order
// a feature's scenarios by pickle; JUnit names those that share a name " #1", " #2"…
type reportCase struct {
	feature, uri string
	name         string // the scenario's own name
	junitName    string // as the JUnit report names it
	rank         int    // 0-based among the feature's scenarios of that name, in report order
	step, reason string
}

// reportCases returns the skipped scenarios (for a precondition, or by an interrupted run) as
// the reports name them; nil when none was.
func (l *skipLog) reportCases() []reportCase {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.skips) == 0 {
		return nil
	}
	names := l.names()
	var out []reportCase
	for _, s := range l.skips {
		var same []string
		for _, o := range l.started {
			if o.uri == s.uri && o.name == s.name {
				same = append(same, o.id)
			}
		}
		slices.SortFunc(same, pickleOrder)
		rc := reportCase{feature: names[s.uri], uri: s.uri, name: s.name, junitName: s.name, rank: slices.Index(same, s.id), step: s.step, reason: s.reason}
		if len(same) > 1 {
			rc.junitName = fmt.Sprintf("%s #%d", s.name, rc.rank+1)
		}
		out = append(out, rc)
	}
	return out
}

// pickleOrder orders godog's pickle ids as its reports do: as numbers.
func pickleOrder(a, b string) int {
	x, errX := strconv.Atoi(a)
	y, errY := strconv.Atoi(b)
	if errX != nil || errY != nil {
		switch {
		case a < b:
			return -1
		case a > b:
			return 1
		}
		return 0
	}
	return x - y
}
