package messagefmt_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/internal/golden"
)

// TestGolden compares the fixture streams, normalised, with testdata/golden/<fixture>.ndjson.
// Run `go test ./internal/messagefmt -run TestGolden -update` to rewrite them, and read the diff.
func TestGolden(t *testing.T) {
	for _, name := range []string{"passing", "failing"} {
		t.Run(name, func(t *testing.T) {
			stream, _ := runFixture(t, 1, name)
			got := normalise(t, stream)
			golden.Assert(t, filepath.Join("testdata", "golden", name+".ndjson"), got)
		})
	}
}

// normalise makes a stream comparable across runs and machines: ids become "id-1", "id-2"... in
// order of first appearance; timestamps and durations become zero; the Go version, OS and CPU,
// the directories of step definitions and stack traces become placeholders.
func normalise(tb testing.TB, stream []byte) []byte {
	tb.Helper()
	ids := map[string]string{}
	id := func(v any) any {
		s, ok := v.(string)
		if !ok {
			return v
		}
		if _, seen := ids[s]; !seen {
			ids[s] = fmt.Sprintf("id-%d", len(ids)+1)
		}
		return ids[s]
	}
	var walk func(key string, v any) any
	walk = func(key string, v any) any {
		switch {
		case key == "timestamp" || key == "duration":
			return map[string]any{"seconds": 0, "nanos": 0}
		case key == "stackTrace":
			return "<stack trace>"
		case key == "id" || strings.HasSuffix(key, "Id"):
			return id(v)
		}
		switch v := v.(type) {
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(v)) { // ids are numbered in a stable order
				v[k] = walk(k, v[k])
			}
			if key == "sourceReference" {
				if uri, ok := v["uri"].(string); ok {
					v["uri"] = path.Base(filepath.ToSlash(uri))
				}
			}
		case []any:
			for i, c := range v {
				if strings.HasSuffix(key, "Ids") {
					v[i] = id(c)
				} else {
					v[i] = walk(key, c)
				}
			}
		}
		return v
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	for i, line := range lines(tb, stream) {
		var m map[string]any
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.UseNumber()
		require.NoError(tb, dec.Decode(&m), "line %d", i+1)
		if meta, ok := m["meta"].(map[string]any); ok {
			meta["runtime"] = map[string]any{"name": "go", "version": "<go version>"}
			meta["os"] = map[string]any{"name": "<os>"}
			meta["cpu"] = map[string]any{"name": "<cpu>"}
		}
		require.NoError(tb, enc.Encode(walk("", m)))
	}
	return out.Bytes()
}
