package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// clientLiterals lists, as "file:line", every http.Client the non-test files under root build
// outside internal/transport: a composite literal &http.Client{…} or http.Client{…}, or
// new(http.Client).
func clientLiterals(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() && filepath.ToSlash(path) == filepath.ToSlash(filepath.Join(root, "internal", "transport")) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		isClient := func(e ast.Expr) bool {
			sel, ok := e.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "Client" {
				return false
			}
			pkg, ok := sel.X.(*ast.Ident)
			return ok && pkg.Name == "http"
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CompositeLit:
				if isClient(n.Type) {
					out = append(out, fset.Position(n.Pos()).String())
				}
			case *ast.CallExpr:
				if id, ok := n.Fun.(*ast.Ident); ok && id.Name == "new" && len(n.Args) == 1 && isClient(n.Args[0]) {
					out = append(out, fset.Position(n.Pos()).String())
				}
			}
			return true
		})
		return nil
	})
	require.NoError(t, err)
	return out
}

// TestEveryClientComesFromTransport: the redirect policy, TLS and timeouts of API calls are set
// in one place (ARCHITECTURE.md, "A redirect is an answer"), so no package builds an
// http.Client of its own; it asks internal/transport for one (APIClient, TokenClient).
func TestEveryClientComesFromTransport(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	require.Empty(t, clientLiterals(t, root))

	// The finder finds what it looks for: transport builds its clients itself.
	dir := t.TempDir()
	src := "package a\n\nimport \"net/http\"\n\nvar c = &http.Client{}\nvar d = new(http.Client)\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a.go"), []byte(src), 0o644))
	require.Len(t, clientLiterals(t, dir), 2)
}
