package openapi

import (
	"fmt"
	"strconv"

	"go.yaml.in/yaml/v4"
)

// MaxSpecBytes is the longest spec or overlay file conform reads: 16 MiB. The spec of the
// three calls is a few KB; a vendor's whole published document a few MB. A longer file is a
// *SpecError before any of it is read, so that no YAML tree of it is built: the tree takes
// about twenty times the file.
const MaxSpecBytes = 16 << 20

// MaxKeyComparisons bounds the work of the YAML decoder's duplicate-key check in a spec or
// overlay. go.yaml.in/yaml/v4 (v4.0.0, Constructor.checkMappingKeys), through which
// kin-openapi decodes every document, JSON included, compares every key of a mapping with
// every later one: n(n-1)/2 comparisons for a mapping of n keys, and no option of kin-openapi's
// loader turns it off. 110,000 schemas under components/schemas are 6×10⁹ comparisons, more
// than two minutes. conform counts them on its own tree of the document, which costs one step
// per node, and refuses a document over this bound (about 10,000 keys in one mapping, half a
// second of the decoder's time on this project's machine) with a *SpecError, instead of
// loading it for minutes.
const MaxKeyComparisons = 50_000_000

// checkBounds refuses the document of file, whose tree is root, when the YAML decoder would
// spend more than MaxKeyComparisons comparing its keys; the error names the largest mapping.
func checkBounds(file string, root *yaml.Node) error {
	total, largest := keyComparisons(root)
	if total <= MaxKeyComparisons {
		return nil
	}
	at, _ := pointerOf(root, largest, "")
	return &SpecError{File: file, Line: lineOf(root, at), Pointer: at, Err: fmt.Errorf(
		"too many keys to load: %d in this mapping, %d key comparisons in the document, over the bound of %d (about 10,000 keys in one mapping): the YAML decoder compares every key of a mapping with every other",
		len(largest.Content)/2, total, MaxKeyComparisons)}
}

// keyComparisons returns how many key comparisons the YAML decoder's duplicate-key check makes
// on the tree under root (the sum of n(n-1)/2 over its mappings of n keys), and the mapping with
// the most keys. It visits each node once, whatever the mappings' sizes; an alias is not
// followed (the decoder checks the mapping it names where it stands).
func keyComparisons(root *yaml.Node) (total int64, largest *yaml.Node) {
	if root == nil {
		return 0, nil
	}
	stack := []*yaml.Node{root}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n.Kind == yaml.MappingNode {
			keys := int64(len(n.Content) / 2)
			total += keys * (keys - 1) / 2
			if largest == nil || len(n.Content) > len(largest.Content) {
				largest = n
			}
		}
		stack = append(stack, n.Content...)
	}
	return total, largest
}

// pointerOf returns the JSON pointer of target in the tree under n, which is at pointer, and
// whether it is there. Only the path to target is written out.
func pointerOf(n, target *yaml.Node, pointer string) (string, bool) {
	if n == target {
		return pointer, true
	}
	for i, c := range n.Content {
		token := ""
		switch n.Kind {
		case yaml.MappingNode:
			if i%2 == 0 {
				continue // a key
			}
			token = "/" + escapeToken(n.Content[i-1].Value)
		case yaml.SequenceNode:
			token = "/" + strconv.Itoa(i)
		}
		if p, ok := pointerOf(c, target, pointer+token); ok {
			return p, true
		}
	}
	return "", false
}
