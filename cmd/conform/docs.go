package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/conform-harness/conform/features"
	"github.com/conform-harness/conform/internal/docs"
)

const docsSynopsis = "conform docs [--format markdown|html] [--output FILE]"

// docsFlags are what `conform docs` was asked for.
type docsFlags struct {
	render func(io.Writer, fs.FS) error
	output string
}

func parseDocsFlags(args []string, stdout io.Writer) (docsFlags, error) {
	fset := newFlagSet("docs")
	format := fset.String("format", "markdown", "what to write: markdown (for a wiki) or html (one self-contained page)")
	output := fset.String("output", "", "write to `FILE` instead of stdout, creating missing directories")
	if err := parseFlags(fset, docsSynopsis, args, stdout); err != nil {
		return docsFlags{}, err
	}
	df := docsFlags{output: *output}
	switch *format {
	case "markdown":
		df.render = docs.Markdown
	case "html":
		df.render = docs.HTML
	default:
		return docsFlags{}, &usageError{err: fmt.Errorf("--format must be markdown or html, not %q", *format), usage: printUsage(fset, docsSynopsis)}
	}
	return df, nil
}

// docsCmd renders the embedded features, without running them, for a wiki or a docs site.
func docsCmd(_ context.Context, args []string, _ func(string) string, _ io.Reader, stdout, _ io.Writer) error {
	df, err := parseDocsFlags(args, stdout)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := df.render(&buf, features.FS); err != nil {
		return err
	}
	if df.output == "" {
		_, err := stdout.Write(buf.Bytes())
		return err
	}
	// Rendered in full first, so that a failure leaves no half-written file.
	if err := os.MkdirAll(filepath.Dir(df.output), 0o755); err != nil {
		return &configError{err: fmt.Errorf("--output: %w", err)}
	}
	if err := os.WriteFile(df.output, buf.Bytes(), 0o644); err != nil {
		return &configError{err: fmt.Errorf("--output: %w", err)}
	}
	return nil
}
