package suite

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/cucumber/godog"
	messages "github.com/cucumber/messages/go/v34"

	"github.com/conform-harness/conform/steps"
)

// FeatureError is a run's features with mistakes in them: steps conform does not know (or
// knows twice), and steps with an argument of the wrong shape. They are the team's to fix, not
// the target's: the run is refused before anything is sent, as a *UsageError.
type FeatureError struct {
	// Problems say, one each, "file:line: what is wrong", in the order of the files.
	Problems []string
}

func (e *FeatureError) Error() string {
	return fmt.Sprintf("the features have %d mistake(s), so nothing was run (conform steps lists every step conform knows):\n  %s",
		len(e.Problems), strings.Join(e.Problems, "\n  "))
}

// Check reads the features a run with o would run and checks every step of the scenarios its
// tags select against the steps conform knows (steps.Check), without running anything: a
// *UsageError with a *FeatureError names each mistake, file:line first. It also refuses, as Run
// does, tags that select no scenario (after o.LeaveOut) and a format Run could not write. Run
// checks the same before it starts; a caller checks first to find a mistake before it reaches
// for the target.
func Check(o Options) error {
	if o.Traffic != nil {
		return nil // recorded traffic has its own steps, not conform's
	}
	wanted, err := godogFilter(o.Tags)
	if err != nil {
		return err
	}
	if err := checkFormats(o.Formats); err != nil {
		return err
	}
	files, err := featureFS(o.Features, o.NoBuiltinFeatures)
	if err != nil {
		return err
	}
	opts := &godog.Options{FS: files, Paths: []string{"."}}
	if err := checkFeatures(opts, wanted); err != nil {
		return err
	}
	// What the tags select, as Run counts it: a run that would select nothing (or only what
	// o.LeaveOut leaves out) is refused here, before a live run reaches for its target.
	filter := wanted
	if len(o.LeaveOut) > 0 {
		if filter, err = godogFilter(withoutTags(o.Tags, o.LeaveOut)); err != nil {
			return err
		}
	}
	n, err := countScenarios(opts, filter)
	if err != nil {
		return err
	}
	all, err := countScenarios(opts, wanted)
	if err != nil {
		return err
	}
	switch {
	case all == 0:
		return &UsageError{Err: fmt.Errorf("--tags %q selects no scenario", o.Tags)}
	case n == 0:
		return &UsageError{Err: fmt.Errorf("--tags %q selects only scenarios tagged %s, which this target cannot run",
			o.Tags, strings.Join(o.LeaveOut, ", "))}
	}
	return nil
}

// checkFormats finds the mistakes in formats that prepareReports would find: an unknown
// formatter, a report path with a comma.
func checkFormats(formats []Format) error {
	registry.RLock()
	defer registry.RUnlock()
	known := godog.AvailableFormatters()
	for _, f := range formats {
		if _, ok := known[f.Name]; !ok {
			return &UsageError{Err: fmt.Errorf("--format: unknown formatter %q (have %s)", f.Name, strings.Join(slices.Sorted(maps.Keys(known)), ", "))}
		}
		if strings.Contains(f.Path, ",") {
			return &UsageError{Err: fmt.Errorf("--format: report path %q must not contain a comma", f.Path)}
		}
	}
	return nil
}

// checkFeatures is Check of the features of opts that filter selects.
func checkFeatures(opts *godog.Options, filter string) error {
	var problems []string
	err := eachPickle(opts, filter, func(uri string, p *messages.Pickle, line func(*messages.PickleStep) int64) {
		for _, st := range p.Steps {
			var table *godog.Table
			docString := false
			if st.Argument != nil {
				table, docString = st.Argument.DataTable, st.Argument.DocString != nil
			}
			if err := steps.Check(st.Text, table, docString); err != nil {
				// A background's step is in every scenario of its feature: say it once.
				if problem := fmt.Sprintf("%s:%d: %v", filePath(opts.FS, uri), line(st), err); !slices.Contains(problems, problem) {
					problems = append(problems, problem)
				}
			}
		}
	})
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		return &UsageError{Err: &FeatureError{Problems: problems}}
	}
	return nil
}
