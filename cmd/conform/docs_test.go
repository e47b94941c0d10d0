package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/features"
	"github.com/conform-harness/conform/internal/docs"
)

func TestDocsWritesTheFeatures(t *testing.T) {
	var md, page bytes.Buffer
	require.NoError(t, docs.Markdown(&md, features.FS))
	require.NoError(t, docs.HTML(&page, features.FS))

	tests := []struct {
		name string
		args []string
		want string
	}{
		{"markdown by default", []string{"docs"}, md.String()},
		{"markdown", []string{"docs", "--format", "markdown"}, md.String()},
		{"html", []string{"docs", "--format=html"}, page.String()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := conform(t, tt.args...)
			require.Equal(t, exitPass, code, errOut)
			require.Equal(t, tt.want, out)
			require.Empty(t, errOut)
		})
	}
	require.True(t, strings.HasPrefix(md.String(), "# Features\n"))
	require.Contains(t, md.String(), "## Feature: Cancelling a running export request")
	require.True(t, strings.HasPrefix(page.String(), "<!DOCTYPE html>"))
}

func TestDocsOutputCreatesDirectories(t *testing.T) {
	path := filepath.Join(t.TempDir(), "site", "docs", "features.html")
	code, out, errOut := conform(t, "docs", "--format", "html", "--output", path)
	require.Equal(t, exitPass, code, errOut)
	require.Empty(t, out, "the page goes to the file, not to stdout")
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Contains(t, string(b), "Cancelling a running export request")
}

func TestDocsOutputThatCannotBeWritten(t *testing.T) {
	dir := t.TempDir()
	code, _, errOut := conform(t, "docs", "--output", dir) // a directory
	require.Equal(t, exitUsage, code)
	require.Contains(t, errOut, "--output")
	require.NotContains(t, errOut, "Usage:", "not a mistake in the command line")
}

func TestDocsUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown format", []string{"docs", "--format", "pdf"}, `--format must be markdown or html, not "pdf"`},
		{"stray argument", []string{"docs", "features"}, "unexpected argument"},
		{"unknown flag", []string{"docs", "--out", "x"}, "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := conform(t, tt.args...)
			require.Equal(t, exitUsage, code)
			require.Empty(t, out)
			require.Contains(t, errOut, tt.want)
			require.Contains(t, errOut, "Run 'conform docs --help' for usage.")
			require.NotContains(t, errOut, "Usage:", "a usage error is one line and a hint, not the whole help")
		})
	}

	code, out, _ := conform(t, "docs", "--help")
	require.Equal(t, exitPass, code)
	require.Contains(t, out, docsSynopsis)
	require.Contains(t, out, "-format")

	_, top, _ := conform(t, "help")
	require.Contains(t, top, "  docs     render the features")
}
