package openapi

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v4"
)

// writeManySchemas writes the embedded spec with n more schemas under components/schemas, each
// with properties more, to a new temporary file, and returns its path and size.
func writeManySchemas(tb testing.TB, n, properties int) (string, int64) {
	tb.Helper()
	spec := Spec()
	const at = "\n  schemas:\n"
	i := bytes.Index(spec, []byte(at))
	require.Positive(tb, i, "the embedded spec has components/schemas")
	path := filepath.Join(tb.TempDir(), "many-schemas.yaml")
	f, err := os.Create(path)
	require.NoError(tb, err)
	w := bufio.NewWriter(f)
	w.Write(spec[:i+len(at)])
	for k := range n {
		fmt.Fprintf(w, "    Extra%d:\n      type: object\n      description: a schema the API does not use\n      properties:\n", k)
		for p := range properties {
			fmt.Fprintf(w, "        field%d:\n          type: string\n          maxLength: 64\n", p)
		}
	}
	w.Write(spec[i+len(at):])
	require.NoError(tb, w.Flush())
	require.NoError(tb, f.Close())
	fi, err := os.Stat(path)
	require.NoError(tb, err)
	return path, fi.Size()
}

// The spec of the issue: 110,000 schemas, 50 MB. It did not load in two minutes; it is refused
// by its size, before a byte of it is parsed.
func TestLoadRefusesASpecOverTheSizeBound(t *testing.T) {
	path, size := writeManySchemas(t, 110_000, 6)
	require.Greater(t, size, int64(45<<20))
	for name, load := range map[string]func() error{
		"LoadFile":  func() error { _, err := LoadFile(path); return err },
		"Effective": func() error { _, _, err := Effective(path, nil); return err },
		"an overlay": func() error {
			_, _, err := Effective("", []string{path})
			return err
		},
	} {
		t.Run(name, func(t *testing.T) {
			se := specError(t, load())
			require.Equal(t, path, se.File)
			require.EqualError(t, se, path+": not read: longer than 16777216 bytes (16 MiB), the bound of a spec or an overlay")
		})
	}
}

// 20,000 schemas in 3 MB are under the size bound, but the YAML decoder would compare 2×10⁸
// pairs of their keys (about 9 s; 4 times that for twice the schemas): refused, naming the
// mapping and the bound, before kin-openapi decodes it.
func TestLoadRefusesAMappingTooLargeForTheYAMLDecoder(t *testing.T) {
	path, size := writeManySchemas(t, 20_000, 0)
	require.Less(t, size, int64(MaxSpecBytes))
	_, _, err := Effective(path, nil)
	se := specError(t, err)
	require.Equal(t, path, se.File)
	require.Equal(t, "/components/schemas", se.Pointer)
	require.Positive(t, se.Line)
	require.Regexp(t, `too many keys to load: 200[0-9]{2} in this mapping, [0-9]+ key comparisons`, se.Error())
	require.Contains(t, se.Error(), "over the bound of 50000000")
}

// keyComparisons counts the decoder's work in one visit of each node: what it counts grows as
// the square of a mapping's keys, what it costs only as the nodes.
func TestKeyComparisons(t *testing.T) {
	tests := []struct {
		doc     string
		want    int64
		largest int // keys of the largest mapping
	}{
		{"a: 1", 0, 1},
		{"a: 1\nb: 2\nc: 3", 3, 3},
		{"a: {x: 1, y: 2}\nb: [{p: 1, q: 2, r: 3, s: 4}]", 1 + 1 + 6, 4},
		{"[1, 2]", 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.doc, func(t *testing.T) {
			root, err := parseNode([]byte(tc.doc))
			require.NoError(t, err)
			got, largest := keyComparisons(root)
			require.Equal(t, tc.want, got)
			if tc.largest == 0 {
				require.Nil(t, largest)
				return
			}
			require.Equal(t, yaml.MappingNode, largest.Kind)
			require.Len(t, largest.Content, 2*tc.largest)
		})
	}
	// The specs conform ships and tests with are far under the bound.
	for _, file := range []string{"", vendorSpec} {
		b := Spec()
		if file != "" {
			var err error
			b, err = os.ReadFile(file)
			require.NoError(t, err)
		}
		root, err := parseNode(b)
		require.NoError(t, err)
		got, _ := keyComparisons(root)
		require.Less(t, got, int64(MaxKeyComparisons/100), "%s", fileName(file))
	}
}
