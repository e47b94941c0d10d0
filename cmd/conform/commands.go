package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// command is one subcommand of conform.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"run", "run the conformance suite (against the bundled fake unless a target is given)", runCmd},
		{"serve", "serve the bundled fake as a standalone HTTP server on the real clock", serveCmd},
		{"proxy", "stand in front of a target as a validating proxy: the spec and the oracle on any traffic", proxyCmd},
		{"audit", "check recorded traffic (HAR files from browsers, proxies, test tools or run --record) against the spec and the oracle", auditCmd},
		{"diff", "compare two recordings (HAR) of the API, say before and after a vendor's release: what changed, by call", diffCmd},
		{"load", "put a measured load on the bundled fake or an endpoint: throughput, latency, conformance", loadCmd},
		{"docs", "render the features, without running them, as Markdown or HTML", docsCmd},
		{"steps", "list every step conform understands, for writing your own features", stepsCmd},
		{"spec", "print the effective OpenAPI spec (--spec, --overlay), check which calls a spec describes, or compare two (spec diff)", specCmd},
		{"version", "print conform's version and the versions of its engines", versionCmd},
	}
}

// run is the whole program; main only passes it the process's arguments, environment and streams.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		topUsage(stderr)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help", "help":
		topUsage(stdout)
		return exitPass
	case "-version", "--version":
		printVersion(stdout)
		return exitPass
	}
	for _, c := range commands() {
		if c.name == name {
			err := c.run(ctx, args[1:], getenv, stdin, stdout, stderr)
			if errors.Is(err, flag.ErrHelp) {
				return exitPass
			}
			return exitCode(err, stderr)
		}
	}
	return exitCode(&usageError{err: fmt.Errorf("unknown command %q", name), usage: usage{print: topUsage}}, stderr)
}

func topUsage(w io.Writer) {
	var b strings.Builder
	b.WriteString("conform checks that an export-request API cancels as its vendor documents.\n\n")
	b.WriteString("Usage:\n  conform <command> [flags]\n\nCommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(&b, "  %-8s %s\n", c.name, c.summary)
	}
	b.WriteString("\nRun 'conform <command> --help' for a command's flags; 'conform --version' prints the version.\n")
	b.WriteString("Exit codes: 0 passed, 1 the target does not conform, 2 usage or configuration error,\n")
	b.WriteString("3 the target cannot be reached, rejects the credentials or is not the export API,\n")
	b.WriteString("4 conform could not do its own work (an I/O error), 130 or 143 stopped by SIGINT or SIGTERM.\n")
	io.WriteString(w, b.String())
}

// newFlagSet returns a flag set that reports errors to its caller instead of printing or
// exiting: parseFlags decides what the user sees.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// usage prints a command's help; name is the command's, for the one-line hint that ends a usage
// error ("Run 'conform run --help' for usage.").
type usage struct {
	name  string
	print func(io.Writer)
}

// flagGroup is a heading of a command's help and the flags under it, in order.
type flagGroup struct {
	heading string
	flags   []string
}

// printUsage returns the usage of a command: its synopsis and flags, under the headings of groups
// when there are any (a flag in no group is listed last, under "Other").
func printUsage(fs *flag.FlagSet, synopsis string, groups ...flagGroup) usage {
	return usage{name: fs.Name(), print: func(w io.Writer) {
		fmt.Fprintf(w, "Usage:\n  %s\n", synopsis)
		if len(groups) == 0 {
			io.WriteString(w, "\nFlags:\n")
			printFlags(w, fs, nil)
			return
		}
		listed := map[string]bool{}
		for _, g := range groups {
			fmt.Fprintf(w, "\n%s:\n", g.heading)
			printFlags(w, fs, g.flags)
			for _, name := range g.flags {
				listed[name] = true
			}
		}
		var rest []string
		fs.VisitAll(func(f *flag.Flag) {
			if !listed[f.Name] {
				rest = append(rest, f.Name)
			}
		})
		if len(rest) > 0 {
			io.WriteString(w, "\nOther:\n")
			printFlags(w, fs, rest)
		}
	}}
}

// printFlags writes the flags named (all of fs's when names is nil) as flag.PrintDefaults does.
func printFlags(w io.Writer, fs *flag.FlagSet, names []string) {
	if names == nil {
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
		return
	}
	part := flag.NewFlagSet(fs.Name(), flag.ContinueOnError)
	for _, name := range names {
		f := fs.Lookup(name)
		if f == nil {
			continue
		}
		part.Var(f.Value, f.Name, f.Usage)
		part.Lookup(f.Name).DefValue = f.DefValue // the default, not what was parsed so far
	}
	part.SetOutput(w)
	part.PrintDefaults()
}

// parseFlags parses args into fs. --help prints the usage to stdout and returns flag.ErrHelp;
// any other mistake is a usage error. Positional arguments are refused.
func parseFlags(fs *flag.FlagSet, synopsis string, args []string, stdout io.Writer) error {
	return parseFlagsUsing(fs, printUsage(fs, synopsis), args, stdout)
}

// parseFlagsUsing is parseFlags with the usage to print for --help.
func parseFlagsUsing(fs *flag.FlagSet, usage usage, args []string, stdout io.Writer) error {
	operands, err := parseFlagsAndOperands(fs, usage, args, stdout)
	if err != nil {
		return err
	}
	if len(operands) > 0 {
		return &usageError{err: fmt.Errorf("unexpected argument %q", operands[0]), usage: usage}
	}
	return nil
}

// parseFlagsAndOperands parses args, flags and operands in any order (conform audit a.har
// --format junit b.har), and returns the operands; after "--" everything is an operand.
func parseFlagsAndOperands(fs *flag.FlagSet, usage usage, args []string, stdout io.Writer) ([]string, error) {
	var operands []string
	for {
		if err := parseFlagsOnly(fs, usage, args, stdout); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return operands, nil
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(operands, rest...), nil
		}
		operands, args = append(operands, rest[0]), rest[1:]
	}
}

func parseFlagsOnly(fs *flag.FlagSet, usage usage, args []string, stdout io.Writer) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage.print(stdout)
			return flag.ErrHelp
		}
		return &usageError{err: err, usage: usage}
	}
	return nil
}
