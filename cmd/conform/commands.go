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
		{"load", "put a measured load on the bundled fake or an endpoint: throughput, latency, conformance", loadCmd},
		{"docs", "render the features, without running them, as Markdown or HTML", docsCmd},
		{"spec", "print the embedded OpenAPI spec", specCmd},
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
	return exitCode(&usageError{err: fmt.Errorf("unknown command %q", name), usage: topUsage}, stderr)
}

func topUsage(w io.Writer) {
	var b strings.Builder
	b.WriteString("conform checks that an export-request API cancels as its vendor documents.\n\n")
	b.WriteString("Usage:\n  conform <command> [flags]\n\nCommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(&b, "  %-8s %s\n", c.name, c.summary)
	}
	b.WriteString("\nRun 'conform <command> --help' for a command's flags.\n")
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

// printUsage writes a command's synopsis and flags.
func printUsage(fs *flag.FlagSet, synopsis string) func(io.Writer) {
	return func(w io.Writer) {
		fmt.Fprintf(w, "Usage:\n  %s\n\nFlags:\n", synopsis)
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
}

// parseFlags parses args into fs. --help prints the usage to stdout and returns flag.ErrHelp;
// any other mistake is a usage error. Positional arguments are refused.
func parseFlags(fs *flag.FlagSet, synopsis string, args []string, stdout io.Writer) error {
	usage := printUsage(fs, synopsis)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage(stdout)
			return flag.ErrHelp
		}
		return &usageError{err: err, usage: usage}
	}
	if fs.NArg() > 0 {
		return &usageError{err: fmt.Errorf("unexpected argument %q", fs.Arg(0)), usage: usage}
	}
	return nil
}
