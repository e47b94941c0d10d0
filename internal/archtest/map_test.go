package archtest

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// row is one line of ARCHITECTURE.md's code map: the packages it is about and what of the
// project they may import.
type row struct {
	line     int
	layer    int // the code map's sections, in order: leaves first
	packages []string
	mayAll   bool     // "anything below": the command
	testOnly bool     // "(tests only)": it may have no package outside its tests
	may      []string // the project's packages it may import
}

var backticked = regexp.MustCompile("`([^`]+)`")

// codeMap reads the tables under ARCHITECTURE.md's "Code map": each row names its packages in
// the first column and what they may import in the last.
func codeMap(t *testing.T) []row {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "ARCHITECTURE.md"))
	require.NoError(t, err)
	lines := strings.Split(string(b), "\n")
	start := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "## Code map") })
	require.GreaterOrEqual(t, start, 0, "ARCHITECTURE.md has a code map")
	var rows []row
	layer := 0
	for i := start + 1; i < len(lines) && !strings.HasPrefix(lines[i], "## "); i++ {
		l := strings.TrimSpace(lines[i])
		if strings.HasPrefix(l, "### ") {
			layer++
		}
		if !strings.HasPrefix(l, "|") || strings.HasPrefix(l, "|---") || strings.HasPrefix(l, "| package") {
			continue
		}
		cells := strings.Split(strings.Trim(l, "|"), "|")
		require.GreaterOrEqual(t, len(cells), 3, "ARCHITECTURE.md:%d: a row of package, what, may import", i+1)
		r := row{line: i + 1, layer: layer}
		for _, m := range backticked.FindAllStringSubmatch(cells[0], -1) {
			r.packages = append(r.packages, m[1])
		}
		last := strings.TrimSpace(cells[len(cells)-1])
		switch {
		case strings.HasPrefix(last, "anything"):
			r.mayAll = true
		case strings.HasPrefix(last, "(tests only)"):
			r.testOnly = true
		case last == "nothing":
		default:
			for _, m := range backticked.FindAllStringSubmatch(last, -1) {
				r.may = append(r.may, m[1])
			}
			require.NotEmpty(t, r.may, "ARCHITECTURE.md:%d: say what %v may import, or \"nothing\"", i+1, r.packages)
		}
		require.NotEmpty(t, r.packages, "ARCHITECTURE.md:%d: a row names its package", i+1)
		rows = append(rows, r)
	}
	require.NotEmpty(t, rows)
	return rows
}

// The code map is executable: every package of the module has its row, imports of the project
// only what its row says it may, and its row names nothing it does not import, so that the
// map stays the graph as it is.
func TestTheCodeMapIsTheImportGraph(t *testing.T) {
	graph := imports(t)
	rows := codeMap(t)
	byPkg := map[string]row{}
	for _, r := range rows {
		for _, p := range r.packages {
			name := module + "/" + p
			if p == "conform" {
				name = module // the root package
			}
			_, dup := byPkg[name]
			require.False(t, dup, "ARCHITECTURE.md:%d: %s has two rows", r.line, p)
			byPkg[name] = r
		}
	}
	for pkg, deps := range graph {
		r, ok := byPkg[pkg]
		require.True(t, ok, "%s has no row in ARCHITECTURE.md's code map", pkg)
		if r.mayAll {
			continue
		}
		var own []string
		for _, d := range deps {
			if d == module || strings.HasPrefix(d, module+"/") {
				own = append(own, strings.TrimPrefix(strings.TrimPrefix(d, module), "/"))
			}
		}
		for _, d := range own {
			require.Contains(t, r.may, d, "%s imports %s, which its row (ARCHITECTURE.md:%d) does not allow", pkg, d, r.line)
			if dep, ok := byPkg[module+"/"+d]; ok {
				require.LessOrEqual(t, dep.layer, r.layer, "%s imports %s, of a layer below its own (ARCHITECTURE.md:%d)", pkg, d, r.line)
			}
		}
		if len(r.packages) == 1 {
			for _, m := range r.may {
				require.Contains(t, own, m, "ARCHITECTURE.md:%d says %s may import %s, which it does not: a stale map", r.line, pkg, m)
			}
		}
	}
	for name, r := range byPkg {
		if _, ok := graph[name]; ok || r.testOnly {
			continue
		}
		_, ok := graph[name]
		require.True(t, ok, "ARCHITECTURE.md:%d names %s, which is not a package of the module", r.line, name)
	}
}
