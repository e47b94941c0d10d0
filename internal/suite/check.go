package suite

import (
	"fmt"
	"slices"
	"strings"

	"github.com/cucumber/godog"
	messages "github.com/cucumber/messages/go/v34"

	"conform/steps"
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
// *UsageError with a *FeatureError names each mistake, file:line first. Run checks the same
// before it starts; a caller checks first to find a mistake before it reaches for the target.
func Check(o Options) error {
	if o.Traffic != nil {
		return nil // recorded traffic has its own steps, not conform's
	}
	wanted, err := godogFilter(o.Tags)
	if err != nil {
		return err
	}
	files, err := featureFS(o.Features, o.NoBuiltinFeatures)
	if err != nil {
		return err
	}
	return checkFeatures(&godog.Options{FS: files, Paths: []string{"."}}, wanted)
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
