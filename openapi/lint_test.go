package openapi

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// TestSpecSaysNullableOnlyBesideAType: OpenAPI 3.0.3 gives nullable a meaning only beside a
// type, and the tools that read the spec besides conform (Spectral's spectral:oas, Redocly's
// recommended rules, the validators of mocks and code generators) refuse it alone. CI lints
// the spec with Spectral and Redocly themselves (.ci/run); this is the rule they found broken,
// checked by every go test.
func TestSpecSaysNullableOnlyBesideAType(t *testing.T) {
	var root yaml.Node
	require.NoError(t, yaml.Unmarshal(Spec(), &root))
	var bare []int // lines of a nullable without a type beside it
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.MappingNode {
			var nullable *yaml.Node
			typed := false
			for i := 0; i+1 < len(n.Content); i += 2 {
				switch key := n.Content[i]; key.Value {
				case "example", "examples":
					continue // data, not schemas
				case "nullable":
					nullable = key
				case "type":
					typed = true
				}
				walk(n.Content[i+1])
			}
			if nullable != nil && !typed {
				bare = append(bare, nullable.Line)
			}
			return
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(&root)
	require.Empty(t, bare, "lines of export-api.yaml with nullable and no type")
	require.Contains(t, string(Spec()), "nullable: true", "the walk must meet some nullable")
}
