package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/conform-harness/conform/steps"
)

const stepsSynopsis = `conform steps [--format text|markdown]

Lists every step conform understands, so that a team can write scenarios for its own flows
(conform run --features PATH runs them): the step as it reads in a feature, what it does, and
the pattern it is matched with.`

// stepsCmd is `conform steps`.
func stepsCmd(_ context.Context, args []string, _ func(string) string, _ io.Reader, stdout, _ io.Writer) error {
	fs := newFlagSet("steps")
	format := fs.String("format", "text", "how to list them: text or markdown")
	if err := parseFlags(fs, stepsSynopsis, args, stdout); err != nil {
		return err
	}
	switch *format {
	case "text":
		return listStepsText(stdout, steps.Definitions())
	case "markdown":
		return listStepsMarkdown(stdout, steps.Definitions())
	}
	return &usageError{err: fmt.Errorf("--format must be text or markdown, got %q", *format), usage: printUsage(fs, stepsSynopsis)}
}

func listStepsText(w io.Writer, defs []steps.Definition) error {
	var b strings.Builder
	for _, d := range defs {
		example := strings.ReplaceAll(d.Example, "\n", "\n      ")
		fmt.Fprintf(&b, "%s %s\n    %s\n    pattern: %s\n\n", d.Kind, example, d.Does, d.Pattern)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func listStepsMarkdown(w io.Writer, defs []steps.Definition) error {
	var b strings.Builder
	b.WriteString("| step | what it does | pattern |\n|---|---|---|\n")
	cell := func(s string) string {
		return strings.NewReplacer("|", `\|`, "\n", "<br>").Replace(s)
	}
	for _, d := range defs {
		fmt.Fprintf(&b, "| `%s %s` | %s | `%s` |\n", d.Kind, cell(d.Example), cell(d.Does), cell(d.Pattern))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
