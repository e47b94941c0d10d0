// Package archtest holds the tests of the architecture's rules (ARCHITECTURE.md): which package
// may import which. They read the import lines of every non-test file of the module, so a change
// that breaks a rule fails `go test ./...`.
package archtest

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// module is the module's path, read from go.mod, so that no rule below can pass for want of a
// matching import path.
var module = modulePath()

func modulePath() string {
	b, err := os.ReadFile(filepath.Join("..", "..", "go.mod"))
	if err != nil {
		panic(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if p, ok := strings.CutPrefix(strings.TrimSpace(line), "module "); ok {
			return strings.TrimSpace(p)
		}
	}
	panic("go.mod names no module")
}

// imports maps each package of the module (by import path) to the packages it imports, from
// its non-test files.
func imports(t *testing.T) map[string][]string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	out := map[string][]string{}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, filepath.Dir(path))
		if err != nil {
			return err
		}
		pkg := module + "/" + filepath.ToSlash(rel)
		if rel == "." {
			pkg = module // the root package: conform.Run, the go test API
		}
		for _, spec := range f.Imports {
			p, err := strconv.Unquote(spec.Path.Value)
			if err != nil {
				return err
			}
			if !slices.Contains(out[pkg], p) {
				out[pkg] = append(out[pkg], p)
			}
		}
		if _, ok := out[pkg]; !ok {
			out[pkg] = nil
		}
		return nil
	})
	require.NoError(t, err)
	require.Contains(t, out, module+"/steps", "the walk found the module's packages")
	require.Contains(t, out[module+"/steps"], module+"/export", "the imports are named by the module's path")
	return out
}

// reaches reports whether pkg imports target, directly or through the module's packages.
func reaches(graph map[string][]string, pkg, target string) bool {
	seen := map[string]bool{}
	var walk func(string) bool
	walk = func(p string) bool {
		if seen[p] {
			return false
		}
		seen[p] = true
		for _, q := range graph[p] {
			if q == target || (strings.HasPrefix(q, module+"/") && walk(q)) {
				return true
			}
		}
		return false
	}
	return walk(pkg)
}

func TestOnlyTheRunnerTheBundledTargetAndTheCommandImportTheFake(t *testing.T) {
	graph := imports(t)
	allowed := []string{module + "/internal/suite", module + "/fakeserver/bundled", module + "/cmd/conform"}
	for pkg, deps := range graph {
		if strings.HasPrefix(pkg, module+"/fakeserver") {
			continue
		}
		if slices.Contains(deps, module+"/fakeserver") {
			require.Contains(t, allowed, pkg, "%s imports the fake", pkg)
		}
	}
	for _, pkg := range []string{"steps", "oracle", "export", "openapi", "internal/target", "internal/load", "internal/report",
		"internal/proxy", "internal/coverage", "internal/har"} {
		require.False(t, reaches(graph, module+"/"+pkg, module+"/fakeserver"), "%s reaches the fake", pkg)
	}
}

func TestTheDomainStandsAlone(t *testing.T) {
	graph := imports(t)
	for _, dep := range graph[module+"/internal/har"] {
		require.False(t, strings.HasPrefix(dep, module+"/"), "the HAR format knows nothing of conform, but internal/har imports %s", dep)
	}
	for _, dep := range graph[module+"/export"] {
		if strings.HasPrefix(dep, module+"/") {
			require.Equal(t, module+"/internal/jsonkeys", dep, "export may import only the JSON key checker of the module")
		}
	}
	for pkg := range graph {
		if strings.HasPrefix(pkg, module+"/cmd/") {
			continue
		}
		require.False(t, reaches(graph, pkg, module+"/cmd/conform"), "%s reaches the command", pkg)
	}
}

func TestNoProductionCodeImportsTesting(t *testing.T) {
	graph := imports(t)
	require.Contains(t, graph[module], "testing", "the root package is the go test API: conform.Run takes a *testing.T")
	for pkg, deps := range graph {
		if pkg == module+"/internal/golden" {
			// The golden-file helper of the tests: nothing but tests import it (checked below).
			continue
		}
		if pkg != module {
			// Only the root package, whose Run is called from a team's own tests, may.
			require.NotContains(t, deps, "testing", "%s imports testing outside its tests", pkg)
		}
		for _, helper := range []string{"internal/golden", "internal/heap"} {
			require.False(t, reaches(graph, pkg, module+"/"+helper), "%s reaches %s, a helper of the tests", pkg, helper)
		}
	}
}

// The judged exchange has a package of its own: any traffic is judged without godog's glue, so
// what judges a proxy's or an audit's traffic, or counts its coverage, never imports the steps.
func TestTheJudgedExchangeStandsApartFromTheGlue(t *testing.T) {
	graph := imports(t)
	for _, dep := range []string{"github.com/cucumber/godog", module + "/steps", module + "/fakeserver"} {
		require.False(t, reaches(graph, module+"/judge", dep), "judge reaches %s", dep)
	}
	for _, pkg := range []string{"internal/coverage", "internal/proxy", "internal/load", "internal/audit"} {
		require.False(t, reaches(graph, module+"/"+pkg, module+"/steps"), "%s reaches the steps", pkg)
	}
}
