package main

import (
	"fmt"
	"io"

	"github.com/conform-harness/conform/internal/specdiff"
)

const specDiffSynopsis = "conform spec diff OLD NEW [--format text|markdown|json] [--fail-on breaking|any|none]"

// specDiffFlags are the flags and operands of `conform spec diff`.
type specDiffFlags struct {
	oldFile, newFile string
	format           string // --format: "text", "markdown" or "json"
	failOn           string // --fail-on: "breaking", "any" or "none"
}

// Values of --fail-on: which changes make conform spec diff exit 1; conform diff takes any and
// none too, besides its kinds of drift.
const (
	failOnBreaking = "breaking" // a change that breaks the contract conform checks (the default)
	failOnAny      = "any"      // any change to the three calls
	failOnNone     = "none"     // none: the report only
)

// parseSpecDiffFlags parses the arguments of `conform spec diff`: two documents, in any place
// among the flags. Anything else than two is a usage error.
func parseSpecDiffFlags(args []string, stdout io.Writer) (specDiffFlags, error) {
	sf := specDiffFlags{format: "text", failOn: failOnBreaking}
	fs := newFlagSet("spec diff")
	fs.Func("format", "the report: `text` (the default), markdown (for a pull request or a CI summary) or json", func(v string) error {
		if v != "text" && v != "markdown" && v != "json" {
			return fmt.Errorf("--format must be text, markdown or json, not %q", v)
		}
		sf.format = v
		return nil
	})
	fs.Func("fail-on", "exit 1 on these changes: `breaking` (those that break the contract conform checks, the default),\nany (any change to the three calls) or none", func(v string) error {
		if v != failOnBreaking && v != failOnAny && v != failOnNone {
			return fmt.Errorf("--fail-on must be breaking, any or none, not %q", v)
		}
		sf.failOn = v
		return nil
	})
	u := printUsage(fs, specDiffSynopsis)
	u.name = "spec diff"
	operands, err := parseFlagsAndOperands(fs, u, args, stdout)
	if err != nil {
		return specDiffFlags{}, err
	}
	if len(operands) != 2 {
		return specDiffFlags{}, &usageError{err: fmt.Errorf("spec diff takes two OpenAPI documents, OLD and NEW, not %d", len(operands)), usage: u}
	}
	sf.oldFile, sf.newFile = operands[0], operands[1]
	return sf, nil
}

// specDiffCmd compares two of the vendor's OpenAPI documents and says which changes to the
// API's three calls break the contract conform checks. A document that does not load is a
// configuration error (exit 2); changes that --fail-on names exit 1.
func specDiffCmd(args []string, stdout io.Writer) error {
	sf, err := parseSpecDiffFlags(args, stdout)
	if err != nil {
		return err
	}
	r, err := specdiff.Compare(sf.oldFile, sf.newFile)
	if err != nil {
		return &configError{err: err}
	}
	switch sf.format {
	case "markdown":
		err = r.WriteMarkdown(stdout)
	case "json":
		err = r.WriteJSON(stdout)
	default:
		err = r.WriteText(stdout)
	}
	if err != nil {
		return fmt.Errorf("write the report: %w", err)
	}
	switch {
	case sf.failOn == failOnBreaking && r.Breaking() > 0:
		return specChangedError{n: r.Breaking(), what: "break the contract conform checks", failOn: sf.failOn}
	case sf.failOn == failOnAny && len(r.Changes) > 0:
		return specChangedError{n: len(r.Changes), what: "change the three calls", failOn: sf.failOn}
	}
	return nil
}

// specChangedError ends a spec diff that found the changes --fail-on names: exit 1, as
// errNotConforming, in words about the documents, not about a target.
type specChangedError struct {
	n      int
	what   string
	failOn string
}

func (e specChangedError) Error() string {
	return fmt.Sprintf("%d change(s) of the spec %s (--fail-on %s)", e.n, e.what, e.failOn)
}

// Is makes it errNotConforming for exitCode.
func (specChangedError) Is(target error) bool { return target == errNotConforming }

// isSpecDiff tells whether the arguments of `conform spec` ask for spec diff: "diff" first,
// where printing or --check take only flags.
func isSpecDiff(args []string) bool {
	return len(args) > 0 && args[0] == "diff"
}
