package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/openapi"
)

const (
	vendorSpec     = "../../openapi/testdata/vendor-26b.json"
	useCaseOverlay = "../../openapi/testdata/use-case.overlay.yaml"
)

func TestParseSpecFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want specFlags
		err  string
	}{
		{"nothing: the embedded spec as YAML", nil, specFlags{format: "yaml"}, ""},
		{"a spec and overlays in order", []string{"--spec", "v.json", "--overlay", "a.yaml", "--overlay", "b.yaml", "--format", "json"},
			specFlags{spec: "v.json", overlays: stringList{"a.yaml", "b.yaml"}, format: "json"}, ""},
		{"check with an overlay", []string{"--check", "v.json", "--overlay", "a.yaml"},
			specFlags{check: "v.json", overlays: stringList{"a.yaml"}, format: "yaml"}, ""},
		{"spec then check", []string{"--spec", "v.json", "--check", "w.json"}, specFlags{}, "--spec and --check exclude each other"},
		{"check then spec", []string{"--check", "w.json", "--spec", "v.json"}, specFlags{}, "--spec and --check exclude each other"},
		{"check then format", []string{"--check", "w.json", "--format", "json"}, specFlags{}, "--format applies to the printed spec"},
		{"format then check", []string{"--format", "json", "--check", "w.json"}, specFlags{}, "--format applies to the printed spec"},
		{"an unknown format", []string{"--format", "xml"}, specFlags{}, `--format must be yaml or json, not "xml"`},
		{"a positional argument", []string{"v.json"}, specFlags{}, `unexpected argument "v.json"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseSpecFlags(tt.args, io.Discard)
			if tt.err != "" {
				var ue *usageError
				require.ErrorAs(t, err, &ue)
				require.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestSpecPrintsTheEffectiveSpec(t *testing.T) {
	code, out, errOut := conform(t, "spec", "--spec", vendorSpec, "--overlay", useCaseOverlay)
	require.Equal(t, exitPass, code, errOut)
	require.True(t, strings.HasPrefix(out, "openapi: 3.1.0\n"), "YAML by default: %.100s", out)
	require.Contains(t, out, "x-conform-body-optional: true", "the overlay is applied")

	// What is printed is a spec conform accepts.
	printed := filepath.Join(t.TempDir(), "effective.yaml")
	require.NoError(t, os.WriteFile(printed, []byte(out), 0o600))
	code, checked, errOut := conform(t, "spec", "--check", printed)
	require.Equal(t, exitPass, code, errOut)
	require.Equal(t, "create: POST /exportRequests (create-exportRequests)\n"+
		"status: GET /exportStatuses/{id} (get-exportStatuses)\n"+
		"cancel: POST /custom-actions/cancel/exportRequests/{id} (cancel-exportRequests)\n", checked)
}

func TestSpecAsJSON(t *testing.T) {
	code, out, errOut := conform(t, "spec", "--format", "json")
	require.Equal(t, exitPass, code, errOut)
	var doc map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &doc))
	require.Equal(t, "3.0.3", doc["openapi"])
	require.Contains(t, doc["paths"], "/custom-actions/cancel/exportRequests/{requestID}")
}

func TestSpecCheck(t *testing.T) {
	vendor, err := os.ReadFile(vendorSpec)
	require.NoError(t, err)
	noCancel := filepath.Join(t.TempDir(), "no-cancel.json")
	require.NoError(t, os.WriteFile(noCancel,
		[]byte(strings.Replace(string(vendor), `"/custom-actions/cancel/exportRequests/{id}"`, `"/custom-actions/cancel/exports/{id}"`, 1)), 0o600))

	code, out, errOut := conform(t, "spec", "--check", vendorSpec)
	require.Equal(t, exitPass, code, errOut)
	require.Contains(t, out, "status: GET /exportStatuses/{id} (get-exportStatuses)\n")

	code, out, errOut = conform(t, "spec", "--check", noCancel)
	require.Equal(t, exitUsage, code)
	require.Equal(t, "create: POST /exportRequests (create-exportRequests)\n"+
		"status: GET /exportStatuses/{id} (get-exportStatuses)\n"+
		"cancel: missing, no POST /custom-actions/cancel/exportRequests/{id} below the API root\n", out)
	require.Equal(t, "conform: "+noCancel+":29: /paths: the spec describes no cancel call "+
		"(POST /custom-actions/cancel/exportRequests/{id} below the API root)\n", errOut)
}

// A spec or overlay that does not load is a configuration error that names the file and where
// in it the problem lies.
func TestSpecThatDoesNotLoad(t *testing.T) {
	dir := t.TempDir()
	broken := filepath.Join(dir, "broken.yaml")
	require.NoError(t, os.WriteFile(broken, []byte("openapi: 3.0.3\ninfo:\n  title: x\n   version: '1'\n"), 0o600))
	badOverlay := filepath.Join(dir, "bad.overlay.yaml")
	require.NoError(t, os.WriteFile(badOverlay, []byte("overlay: 2.0.0\ninfo: {title: t, version: '1'}\nactions:\n  - target: $.info\n    update: {description: x}\n"), 0o600))
	tests := []struct {
		name   string
		args   []string
		stderr string
	}{
		{"broken YAML", []string{"spec", "--spec", broken}, broken + ":4: invalid YAML: mapping values are not allowed in this context"},
		{"broken YAML to check", []string{"spec", "--check", broken}, broken + ":4: invalid YAML"},
		{"an overlay of another version", []string{"spec", "--overlay", badOverlay},
			badOverlay + `:1: /overlay: overlay version "2.0.0" is not supported`},
		{"a missing file", []string{"spec", "--spec", filepath.Join(dir, "nope.json")}, filepath.Join(dir, "nope.json") + ": no such file or directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := conform(t, tt.args...)
			require.Equal(t, exitUsage, code)
			require.Empty(t, out)
			require.Equal(t, "conform: ", errOut[:len("conform: ")])
			require.Contains(t, errOut, tt.stderr)
			require.Equal(t, 1, strings.Count(errOut, "\n"), "one line: %q", errOut)
		})
	}
}

// A spec too big for the YAML decoder's quadratic duplicate-key check (20,000 schemas in one
// mapping: minutes at 100,000) is a usage error naming the file and the bound, in every
// command that takes --spec, before anything else is done.
func TestSpecTooBigToLoad(t *testing.T) {
	dir := t.TempDir()
	spec := openapi.Spec()
	at := bytes.Index(spec, []byte("\n  schemas:\n")) + len("\n  schemas:\n")
	var b bytes.Buffer
	b.Write(spec[:at])
	for k := range 20_000 {
		fmt.Fprintf(&b, "    Extra%d: {type: object}\n", k)
	}
	b.Write(spec[at:])
	big := filepath.Join(dir, "big.yaml")
	require.NoError(t, os.WriteFile(big, b.Bytes(), 0o600))
	har, _ := writeTraffic(t, dir, 1, 1)
	for _, args := range [][]string{
		{"spec", "--spec", big},
		{"run", "--spec", big},
		{"audit", "--spec", big, har},
	} {
		t.Run(args[0], func(t *testing.T) {
			code, _, errOut := conform(t, args...)
			require.Equal(t, exitUsage, code, "stderr:\n%s", errOut)
			require.Contains(t, errOut, big+":")
			require.Contains(t, errOut, "/components/schemas: too many keys to load")
			require.Contains(t, errOut, "over the bound of 50000000")
		})
	}
}
