package credentials

import (
	"flag"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite vocabulary.txt from conform's sources")

// vocabularyPackages are the libraries whose words reach conform's output: godog's console,
// JUnit and Cucumber JSON formatters, the Cucumber Messages' field names, and kin-openapi's
// validation errors, which spec violations quote.
var vocabularyPackages = []string{
	"github.com/cucumber/godog",
	"github.com/cucumber/godog/internal/formatters",
	"github.com/cucumber/godog/internal/models",
	"github.com/cucumber/messages/go/v34",
	"github.com/getkin/kin-openapi/openapi3",
	"github.com/getkin/kin-openapi/openapi3filter",
	"github.com/getkin/kin-openapi/routers",
}

// vocabularyFiles are the kinds of file besides Go whose text conform prints: features, the
// spec, the report and docs templates and their style sheet.
var vocabularyFiles = []string{".feature", ".yaml", ".tmpl", ".css"}

// TestVocabularyIsConformsOwnWords rebuilds the vocabulary from the module's sources (every
// string literal and struct tag of its Go code outside tests, its features, spec and
// templates) and from the libraries that write its reports, and requires vocabulary.txt to
// match; go test -update rewrites it.
func TestVocabularyIsConformsOwnWords(t *testing.T) {
	words := map[string]bool{}
	root := filepath.Join("..", "..")
	require.NoError(t, filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (strings.HasPrefix(name, ".") || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		switch {
		case strings.HasSuffix(name, "_test.go"):
		case strings.HasSuffix(name, ".go"):
			goWords(t, path, words)
		case slices.Contains(vocabularyFiles, filepath.Ext(name)):
			b, err := os.ReadFile(path)
			require.NoError(t, err)
			addWords(string(b), words)
		}
		return nil
	}))
	out, err := exec.Command("go", append([]string{"list", "-f", "{{.Dir}}"}, vocabularyPackages...)...).Output()
	require.NoError(t, err, "go list")
	for _, dir := range strings.Fields(string(out)) {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		require.NoError(t, err)
		for _, f := range files {
			if !strings.HasSuffix(f, "_test.go") {
				goWords(t, f, words)
			}
		}
	}
	list := make([]string, 0, len(words))
	for w := range words {
		list = append(list, w)
	}
	slices.Sort(list)
	got := strings.Join(list, "\n") + "\n"
	if *update {
		require.NoError(t, os.WriteFile("vocabulary.txt", []byte(got), 0o644))
	}
	require.Equal(t, got, vocabulary, "vocabulary.txt is not conform's words: run go test ./internal/credentials -run Vocabulary -update")
}

// goWords adds the words of every string literal (struct tags included) of the Go file at path.
func goWords(t testing.TB, path string, words map[string]bool) {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
	require.NoError(t, err)
	ast.Inspect(f, func(n ast.Node) bool {
		if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
			if s, err := strconv.Unquote(lit.Value); err == nil {
				addWords(s, words)
			}
		}
		return true
	})
}

// addWords adds every run of MinStrongLen letters or more in text, lowercased.
func addWords(text string, words map[string]bool) {
	for _, w := range strings.FieldsFunc(text, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') }) {
		if len(w) >= MinStrongLen {
			words[strings.ToLower(w)] = true
		}
	}
}

func TestWeak(t *testing.T) {
	for _, tt := range []struct {
		secret string
		weak   bool
	}{
		{"t", true},
		{"hunter2", true},     // seven characters
		{"conform", true},     // short, and a word of conform's
		{"Conformance", true}, // a word of conform's, in any case
		{"ancellin", true},    // inside "cancelling"
		{"scenarios", true},   // godog's summary
		{"testsuites", true},  // godog's JUnit
		{"wonderland", false}, // a word, but none of conform's
		{"s3cret-pw", false},  // not only letters
		{"CANARY-PASSWORD-5e1b9c", false},
		{"éééééééé", false}, // eight characters, not letters conform writes
	} {
		require.Equal(t, tt.weak, Weak(tt.secret), tt.secret)
	}
}
