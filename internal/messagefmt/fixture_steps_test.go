package messagefmt_test

// The fixture's step definitions. They live in a file of their own so that the lines the golden
// files record for them only move when a step does.

import (
	"context"
	"errors"
	"fmt"

	"github.com/cucumber/godog"
)

// fixtureSteps registers the steps of testdata/features.
func fixtureSteps(sc *godog.ScenarioContext) {
	w := &fixtureWorld{}
	sc.Step(`^a passing step$`, passingStep)
	sc.Step(`^a step with the argument "([^"]*)"$`, stepWithArgument)
	sc.Step(`^(\d+) items? cost (\d+)(?: (EUR|USD))?$`, itemsCost)
	sc.Step(`^a step with a doc string:$`, stepWithDocString)
	sc.Step(`^a step with a table:$`, stepWithTable)
	sc.Step(`^a step that attaches text, JSON, an image and an untyped blob$`, stepThatAttaches)
	sc.Step(`^a step of the scenario's own state$`, w.step)
	sc.Step(`^a step that fails$`, failingStep)
	sc.Step(`^a pending step$`, pendingStep)
	sc.Step(`^a step that panics$`, panickingStep)
	sc.Step(`^an ambiguous step$`, passingStep)
	sc.Step(`^an ambiguous (step)$`, stepWithArgument)
}

func passingStep() error { return nil }

func stepWithArgument(arg string) error {
	if arg == "" {
		return errors.New("the argument is empty")
	}
	return nil
}

func itemsCost(count, price int, currency string) error { return nil }

func stepWithDocString(*godog.DocString) error { return nil }

func stepWithTable(*godog.Table) error { return nil }

func stepThatAttaches(ctx context.Context) (context.Context, error) {
	return godog.Attach(ctx,
		godog.Attachment{Body: []byte("plain text, with <markup> & \"quotes\"\n"), MediaType: "text/plain; charset=utf-8"},
		godog.Attachment{Body: []byte(`{"verdict":"conforms"}`), FileName: "exchange-001.json", MediaType: "application/vnd.conform.exchange+json"},
		godog.Attachment{Body: []byte("\x89PNG\r\n\x1a\n"), FileName: "screen.png", MediaType: "image/png"},
		godog.Attachment{Body: []byte{0xff, 0x00, 0xfe}},
	), nil
}

func failingStep() error {
	return fmt.Errorf("the answer is 500 Internal Server Error, want 200 OK")
}

func pendingStep() error { return godog.ErrPending }

func panickingStep() error { panic("boom") }

// fixtureWorld is per-scenario state, registered as a method value as conform's steps are.
type fixtureWorld struct{ calls int }

func (w *fixtureWorld) step() error {
	w.calls++
	return nil
}
