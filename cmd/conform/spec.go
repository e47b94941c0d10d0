package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/openapi"
)

const specSynopsis = "conform spec [--spec FILE] [--overlay FILE]... [--format yaml|json]\n" +
	"  conform spec --check FILE [--overlay FILE]...\n" +
	"  " + specDiffSynopsis

// specFlags are the flags of `conform spec`.
type specFlags struct {
	spec     string     // --spec: print this file instead of the embedded spec
	check    string     // --check: say which calls this file describes instead of printing
	overlays stringList // --overlay, in order
	format   string     // --format: "yaml" or "json"
}

// parseSpecFlags parses the arguments of `conform spec`. --spec and --check exclude each
// other, and --format goes with printing only; either mistake is a usage error.
func parseSpecFlags(args []string, stdout io.Writer) (specFlags, error) {
	sf := specFlags{format: "yaml"}
	fs := newFlagSet("spec")
	// Each of --spec and --check refuses the other, whichever comes first, so that the
	// mistake is the flag package's and reads as a usage error.
	fs.Func("spec", "print the spec after this OpenAPI 3.0 or 3.1 `FILE` (JSON or YAML) instead of the embedded spec", func(v string) error {
		if sf.check != "" {
			return errors.New("--spec and --check exclude each other: --check names the file to check")
		}
		sf.spec = v
		return nil
	})
	fs.Func("check", "say which of the API's three calls the OpenAPI `FILE` describes (after the overlays),\n"+
		"one line a call; exit 2 unless it describes all three", func(v string) error {
		if sf.spec != "" {
			return errors.New("--spec and --check exclude each other: --check names the file to check")
		}
		if sf.format != "yaml" {
			return errors.New("--format applies to the printed spec, not to --check")
		}
		sf.check = v
		return nil
	})
	fs.Var(&sf.overlays, "overlay", "apply this OpenAPI Overlay 1.0 `FILE` to the spec; repeatable, applied in order")
	fs.Func("format", "print the spec as `yaml` or json (default yaml)", func(v string) error {
		switch {
		case v != "yaml" && v != "json":
			return fmt.Errorf("--format must be yaml or json, not %q", v)
		case sf.check != "":
			return errors.New("--format applies to the printed spec, not to --check")
		}
		sf.format = v
		return nil
	})
	if err := parseFlags(fs, specSynopsis, args, stdout); err != nil {
		return specFlags{}, err
	}
	return sf, nil
}

// specCmd prints the spec conform validates against (the embedded one, or --spec, after the
// overlays), or with --check says which of the API's calls a spec describes, or as `spec diff`
// compares two documents (specDiffCmd). A spec or overlay that does not load, and with --check
// a spec that does not describe all three calls, is a configuration error (exit 2).
func specCmd(_ context.Context, args []string, _ func(string) string, _ io.Reader, stdout, _ io.Writer) error {
	if isSpecDiff(args) {
		return specDiffCmd(args[1:], stdout)
	}
	sf, err := parseSpecFlags(args, stdout)
	if err != nil {
		return err
	}
	if sf.check != "" {
		return checkSpec(sf, stdout)
	}
	return printSpec(sf, stdout)
}

// printSpec writes the effective spec to stdout, as YAML or JSON.
func printSpec(sf specFlags, stdout io.Writer) error {
	doc, source, err := openapi.Effective(sf.spec, sf.overlays)
	if err != nil {
		return &configError{err: err}
	}
	if sf.format == "json" {
		if source, err = json.MarshalIndent(doc, "", "  "); err != nil {
			return fmt.Errorf("write the spec as JSON: %w", err)
		}
		source = append(source, '\n')
	}
	_, err = stdout.Write(source)
	return err
}

// checkSpec writes, for each of the API's calls, the operation of sf.check that describes it
// or that none does, e.g.
//
//	create: POST /exportRequests (create-exportRequests)
//	cancel: missing, no POST /custom-actions/cancel/exportRequests/{id} below the API root
//
// and fails unless every call is described.
func checkSpec(sf specFlags, stdout io.Writer) error {
	doc, _, err := openapi.Effective(sf.check, sf.overlays)
	var described map[export.Call]openapi.Operation
	var ce *openapi.CallsError
	switch {
	case errors.As(err, &ce):
		described = ce.Described
	case err != nil:
		return &configError{err: err}
	default:
		described = openapi.Calls(doc)
	}
	var b strings.Builder
	for _, c := range openapi.APICalls() {
		if op, ok := described[c]; ok {
			fmt.Fprintf(&b, "%s: %s\n", c, op)
		} else {
			fmt.Fprintf(&b, "%s: missing, no %s below the API root\n", c, openapi.CallShape(c))
		}
	}
	if _, werr := io.WriteString(stdout, b.String()); werr != nil {
		return werr
	}
	if err != nil {
		return &configError{err: err}
	}
	return nil
}
