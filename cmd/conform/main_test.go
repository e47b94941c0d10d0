package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/internal/evidence"
	"github.com/conform-harness/conform/internal/suite"
	"github.com/conform-harness/conform/internal/target"
)

// conform runs the command in-process and returns its exit code, stdout and stderr.
func conform(t testing.TB, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, os.Getenv, strings.NewReader(""), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestRunPassesAgainstTheBundledFake(t *testing.T) {
	code, out, errOut := conform(t, "run")
	require.Equal(t, exitPass, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	require.Regexp(t, `\n16 scenarios \(16 passed\)\n`, out)
	require.NotContains(t, out, "\x1b[", "no colour codes when stdout is not a terminal")
}

func TestRunColourAlways(t *testing.T) {
	code, out, _ := conform(t, "run", "--color", "always", "--tags", "@fake-only")
	require.Equal(t, exitPass, code)
	require.Contains(t, out, "\x1b[")
}

func TestRunTagExpressions(t *testing.T) {
	tests := []struct {
		tags      string
		scenarios string
	}{
		{"@fake-only", "2 scenarios (2 passed)"},
		{"not @fake-only", "14 scenarios (14 passed)"},
		{"@fake-only and not @needs-slow-cancel", "2 scenarios (2 passed)"},
		{"@fake-only or @needs-slow-cancel", "3 scenarios (3 passed)"},
		{"not (@fake-only or @needs-slow-cancel)", "13 scenarios (13 passed)"},
	}
	for _, tt := range tests {
		t.Run(tt.tags, func(t *testing.T) {
			code, out, errOut := conform(t, "run", "--format", "progress", "--tags", tt.tags)
			require.Equal(t, exitPass, code, errOut)
			require.Contains(t, out, tt.scenarios)
		})
	}
}

func TestRunUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"filter matching nothing", []string{"run", "--tags", "@no-such-tag"}, "selects no scenario"},
		{"bad tag expression", []string{"run", "--tags", "@a and"}, "--tags"},
		{"godog tag syntax", []string{"run", "--tags", "@a && ~@b"}, "--tags"},
		{"unknown formatter", []string{"run", "--format", "html"}, `unknown formatter "html"`},
		{"empty formatter", []string{"run", "--format", ":out.xml"}, "names no formatter"},
		{"bad concurrency", []string{"run", "--concurrency", "0"}, "--concurrency must be at least 1"},
		// A zero or negative duration used to become the default silently.
		{"zero request timeout", []string{"run", "--request-timeout", "0"}, "--request-timeout must be positive, got 0s"},
		{"zero poll timeout", []string{"run", "--poll-timeout", "0"}, "--poll-timeout must be positive, got 0s"},
		{"negative poll interval", []string{"run", "--poll-interval", "-1s"}, "--poll-interval must be positive, got -1s"},
		{"zero max retry after", []string{"run", "--max-retry-after", "0s"}, "--max-retry-after must be positive"},
		{"zero run timeout", []string{"run", "--timeout", "0"}, "--timeout must be positive, got 0s"},
		{"bad seed", []string{"run", "--seed", "soon"}, "random"},
		{"bad colour", []string{"run", "--color", "pink"}, "--color must be"},
		{"unknown flag", []string{"run", "--base"}, "flag provided but not defined"},
		{"stray argument", []string{"run", "features/x.feature"}, "unexpected argument"},
		{"unknown command", []string{"frobnicate"}, `unknown command "frobnicate"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := conform(t, tt.args...)
			require.Equal(t, exitUsage, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
			require.Contains(t, errOut, tt.want)
			require.Contains(t, errOut, "\nRun 'conform ")
			require.NotContains(t, errOut, "Usage:", "a usage error prints the error and a hint, not the whole help")
		})
	}
}

func TestNoArgumentsIsAUsageError(t *testing.T) {
	code, _, errOut := conform(t)
	require.Equal(t, exitUsage, code)
	require.Contains(t, errOut, "Commands:")
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"help"}, {"run", "--help"}, {"spec", "-h"}, {"version", "--help"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			code, out, errOut := conform(t, args...)
			require.Equal(t, exitPass, code)
			require.Contains(t, out, "Usage:")
			require.Empty(t, errOut)
		})
	}
	_, out, _ := conform(t, "run", "--help")
	for _, flag := range []string{"-tags", "-format", "-concurrency", "-seed", "-color"} {
		require.Contains(t, out, flag)
	}
}

func TestSpecPrintsTheEmbeddedSpec(t *testing.T) {
	code, out, _ := conform(t, "spec")
	require.Equal(t, exitPass, code)
	require.True(t, strings.HasPrefix(out, "openapi: 3.0.3"))
	require.Contains(t, out, "/custom-actions/cancel/exportRequests/{requestID}:")
}

func TestVersion(t *testing.T) {
	code, out, _ := conform(t, "version")
	require.Equal(t, exitPass, code)
	require.Regexp(t, `^conform \S+ \(go1\.`, out)
}

func TestReportFilesInNewDirectories(t *testing.T) {
	dir := t.TempDir()
	junit := filepath.Join(dir, "reports", "deep", "junit.xml")
	cucumber := filepath.Join(dir, "cucumber", "out.json")
	code, out, errOut := conform(t, "run", "--format", "progress", "--format", "junit:"+junit, "--format", "cucumber:"+cucumber)
	require.Equal(t, exitPass, code, errOut)
	require.Contains(t, out, "scenarios")

	b, err := os.ReadFile(junit)
	require.NoError(t, err)
	var suites struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
	}
	require.NoError(t, xml.Unmarshal(b, &suites))
	require.Equal(t, 16, suites.Tests)
	require.Zero(t, suites.Failures)

	b, err = os.ReadFile(cucumber)
	require.NoError(t, err)
	var feats []struct {
		Name     string `json:"name"`
		Elements []struct {
			Steps []struct {
				Embeddings []struct {
					MimeType string `json:"mime_type"`
					Data     string `json:"data"`
				} `json:"embeddings"`
			} `json:"steps"`
		} `json:"elements"`
	}
	require.NoError(t, json.Unmarshal(b, &feats))
	require.NotEmpty(t, feats)

	// Every step that called the API carries its exchanges; every scenario that saw a status
	// document carries its timeline.
	kinds := map[string]int{}
	for _, f := range feats {
		for _, e := range f.Elements {
			for _, s := range e.Steps {
				for _, emb := range s.Embeddings {
					kinds[emb.MimeType]++
					raw, err := base64.StdEncoding.DecodeString(emb.Data)
					require.NoError(t, err)
					require.True(t, json.Valid(raw))
				}
			}
		}
	}
	require.Greater(t, kinds[evidence.ExchangeMediaType], 50)
	require.Equal(t, 10, kinds[evidence.TimelineMediaType], "every scenario but the four unknown-id ones and the two refused creates")
}

func TestRandomOrderAndConcurrency(t *testing.T) {
	code, out, errOut := conform(t, "run", "--format", "progress", "--seed", "42", "--concurrency", "4")
	require.Equal(t, exitPass, code, errOut)
	require.Contains(t, out, "16 scenarios (16 passed)")
	require.Contains(t, out, "42", "the seed is printed so the order can be replayed")
}

func TestRunWritesAnHTMLReport(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // where the run keeps its messages stream while it runs
	path := filepath.Join(t.TempDir(), "out", "report.html")
	code, out, errOut := conform(t, "run", "--format", "progress", "--report", path)
	require.Equal(t, exitPass, code, errOut)
	require.Contains(t, out, "16 scenarios (16 passed)", "the console report is still written")
	require.Contains(t, errOut, "report written to "+path)
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	page := string(b)
	require.Contains(t, page, "Conformance report")
	require.Contains(t, page, "the bundled fake")
	require.Contains(t, page, "The vendor&#39;s worked example: request 12345 is cancelled half-way")
	require.NotRegexp(t, `(?i)(src|href)="https?:`, page, "the page loads nothing from elsewhere")
	left, err := os.ReadDir(tmp)
	require.NoError(t, err)
	require.Empty(t, left, "the temporary messages stream is removed")
}

// The HTML report is built from the run's messages in memory: a run needs no temporary file, so
// an unusable TMPDIR changes nothing. It used to exit 1, "the target does not conform", before
// any scenario ran.
func TestRunNeedsNoTemporaryFile(t *testing.T) {
	report := filepath.Join(t.TempDir(), "report.html")
	t.Setenv("TMPDIR", "/nonexistent")
	code, out, errOut := conform(t, "run", "--format", "progress", "--report", report)
	require.Equal(t, exitPass, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	page, err := os.ReadFile(report)
	require.NoError(t, err)
	require.Contains(t, string(page), "Conforms")
}

// Exit code 1 means only that the target does not conform.
func TestExitCodes(t *testing.T) {
	tests := []struct {
		name string
		err  error
		code int
	}{
		{"passed", nil, exitPass},
		{"does not conform", errNotConforming, exitFail},
		{"timed out", fmt.Errorf("%w: the run did not finish within --timeout 1s", errNotConforming), exitFail},
		{"usage", &usageError{err: errors.New("bad flag")}, exitUsage},
		{"configuration", &configError{err: errors.New("bad file")}, exitUsage},
		{"report file", &suite.OutputError{Flag: "--record", Err: errors.New("is a directory")}, exitUsage},
		{"target settings", &target.ConfigError{Err: errors.New("no credentials")}, exitUsage},
		{"unreachable", &target.Error{Kind: target.Unreachable, Err: errors.New("refused")}, exitUnreachable},
		{"credentials rejected", &target.Error{Kind: target.Rejected, Err: errors.New("401")}, exitUnreachable},
		{"not the export API", &target.Error{Kind: target.NotTheAPI, Err: errors.New("a web page")}, exitUnreachable},
		{"interrupted", &interruptedError{signal: os.Interrupt}, exitInterrupted},
		{"terminated", &interruptedError{signal: syscall.SIGTERM}, exitTerminated},
		{"conform's own failure", errors.New("write report x.html: no space left on device"), exitInternal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			require.Equal(t, tt.code, exitCode(tt.err, &stderr), stderr.String())
		})
	}
}
