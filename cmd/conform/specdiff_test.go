package main

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

const (
	breaking26c = "../../internal/specdiff/testdata/vendor-26c-breaking.json"
	harmless26c = "../../internal/specdiff/testdata/vendor-26c-harmless.json"
)

func TestParseSpecDiffFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want specDiffFlags
		err  string
	}{
		{"two documents", []string{"a.json", "b.yaml"}, specDiffFlags{oldFile: "a.json", newFile: "b.yaml", format: "text", failOn: "breaking"}, ""},
		{"flags among the documents", []string{"a.json", "--format", "markdown", "b.yaml", "--fail-on", "any"},
			specDiffFlags{oldFile: "a.json", newFile: "b.yaml", format: "markdown", failOn: "any"}, ""},
		{"json, never fail", []string{"--format", "json", "--fail-on", "none", "a.json", "b.yaml"},
			specDiffFlags{oldFile: "a.json", newFile: "b.yaml", format: "json", failOn: "none"}, ""},
		{"one document", []string{"a.json"}, specDiffFlags{}, "spec diff takes two OpenAPI documents, OLD and NEW, not 1"},
		{"three documents", []string{"a.json", "b.json", "c.json"}, specDiffFlags{}, "not 3"},
		{"an unknown format", []string{"--format", "html", "a.json", "b.json"}, specDiffFlags{}, `--format must be text, markdown or json, not "html"`},
		{"an unknown fail-on", []string{"--fail-on", "warning", "a.json", "b.json"}, specDiffFlags{}, `--fail-on must be breaking, any or none, not "warning"`},
		{"a flag of spec", []string{"--overlay", "o.yaml", "a.json", "b.json"}, specDiffFlags{}, "flag provided but not defined: -overlay"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseSpecDiffFlags(tt.args, io.Discard)
			if tt.err != "" {
				var ue *usageError
				require.ErrorAs(t, err, &ue)
				require.ErrorContains(t, err, tt.err)
				require.Equal(t, "spec diff", ue.usage.name, "the hint names conform spec diff --help")
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestSpecDiffExitCodes(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		err  string
	}{
		{"a breaking change", []string{vendorSpec, breaking26c}, exitFail, "18 change(s) of the spec break the contract conform checks (--fail-on breaking)"},
		{"only harmless changes", []string{vendorSpec, harmless26c}, exitPass, ""},
		{"harmless changes, --fail-on any", []string{"--fail-on", "any", vendorSpec, harmless26c}, exitFail, "11 change(s) of the spec change the three calls (--fail-on any)"},
		{"no change, --fail-on any", []string{"--fail-on", "any", vendorSpec, vendorSpec}, exitPass, ""},
		{"a breaking change, --fail-on none", []string{"--fail-on", "none", vendorSpec, breaking26c}, exitPass, ""},
		{"one document", []string{vendorSpec}, exitUsage, "Run 'conform spec diff --help' for usage."},
		{"a document that is not there", []string{vendorSpec, "missing.json"}, exitUsage, "missing.json: no such file or directory"},
		{"a document that is not OpenAPI", []string{vendorSpec, useCaseOverlay}, exitUsage, "use-case.overlay.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := conform(t, append([]string{"spec", "diff"}, tt.args...)...)
			require.Equal(t, tt.code, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
			if tt.err == "" {
				require.Empty(t, errOut)
			} else {
				require.Contains(t, errOut, tt.err)
			}
			if tt.code != exitUsage {
				require.Contains(t, out, "(26b) → ", "the report goes to stdout")
			}
		})
	}
}

func TestSpecDiffFormats(t *testing.T) {
	code, out, _ := conform(t, "spec", "diff", "--format", "json", vendorSpec, breaking26c)
	require.Equal(t, exitFail, code)
	var r struct {
		Breaking int
		Changes  []struct{ Call, ID string }
	}
	require.NoError(t, json.Unmarshal([]byte(out), &r))
	require.Equal(t, 18, r.Breaking)

	code, out, _ = conform(t, "spec", "diff", "--format", "markdown", vendorSpec, breaking26c)
	require.Equal(t, exitFail, code)
	require.Contains(t, out, "## Spec diff: ")
	require.Contains(t, out, "| cancel | removed the success response with the status `204` |")

	code, out, _ = conform(t, "spec", "diff", vendorSpec, breaking26c)
	require.Equal(t, exitFail, code)
	require.Contains(t, out, "18 changes break the contract conform checks:\n")
}

// A YAML document compares with a JSON one: the vendor publishes either.
func TestSpecDiffYAMLAgainstJSON(t *testing.T) {
	code, printed, errOut := conform(t, "spec", "--spec", vendorSpec)
	require.Equal(t, exitPass, code, errOut)
	yaml := filepath.Join(t.TempDir(), "vendor-26b.yaml")
	require.NoError(t, os.WriteFile(yaml, []byte(printed), 0o600))
	code, out, errOut := conform(t, "spec", "diff", yaml, vendorSpec)
	require.Equal(t, exitPass, code, errOut)
	require.Contains(t, out, "No change to the three calls.")
}
