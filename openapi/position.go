package openapi

import (
	"strconv"
	"strings"

	"go.yaml.in/yaml/v4"
)

// This file finds where in a YAML or JSON file a JSON pointer lies, and which pointer lies at a
// line and column, so that a problem found in the parsed document can name the line of its
// source. It reads the file with the YAML package kin-openapi decodes specs with (JSON is read
// as YAML), so the lines are the ones the loader saw.

// parseNode parses b, YAML or JSON, into its node tree, and returns the document's root (nil
// for an empty file).
func parseNode(b []byte) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, err
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, nil
	}
	return doc.Content[0], nil
}

// lineOf returns the line of the node pointer names in the tree under root: the line of its key
// in a mapping, of the item itself in a sequence. A pointer that does not resolve gives the
// line of its deepest ancestor that does (the operation whose responses are missing), and 0
// when not even its first token resolves.
func lineOf(root *yaml.Node, pointer string) int {
	if root == nil {
		return 0
	}
	line, node := 0, root
	for _, token := range splitPointer(pointer) {
		node = resolveAlias(node)
		switch node.Kind {
		case yaml.MappingNode:
			found := false
			for i := 0; i+1 < len(node.Content); i += 2 {
				if node.Content[i].Value == token {
					line, node, found = node.Content[i].Line, node.Content[i+1], true
					break
				}
			}
			if !found {
				return line
			}
		case yaml.SequenceNode:
			i, err := strconv.Atoi(token)
			if err != nil || i < 0 || i >= len(node.Content) {
				return line
			}
			node = node.Content[i]
			line = node.Line
		default:
			return line
		}
	}
	if line == 0 {
		line = node.Line // the empty pointer: the document itself
	}
	return line
}

// pointerAt returns the JSON pointer of the node that starts at line and column in the tree
// under root, or "" when no node starts there. A key names the value it heads.
func pointerAt(root *yaml.Node, line, column int) string {
	var walk func(n *yaml.Node, at string) (string, bool)
	walk = func(n *yaml.Node, at string) (string, bool) {
		n = resolveAlias(n)
		if n.Line == line && n.Column == column {
			return at, true
		}
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				p := at + "/" + escapeToken(k.Value)
				if k.Line == line && k.Column == column {
					return p, true
				}
				if found, ok := walk(v, p); ok {
					return found, true
				}
			}
		case yaml.SequenceNode:
			for i, item := range n.Content {
				if found, ok := walk(item, at+"/"+strconv.Itoa(i)); ok {
					return found, true
				}
			}
		}
		return "", false
	}
	if root == nil {
		return ""
	}
	p, _ := walk(root, "")
	return p
}

// resolveAlias follows an alias (*name) to the node it names; an anchor's node is itself.
func resolveAlias(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// escapeToken escapes one reference token of a JSON pointer (RFC 6901): "~" as "~0", "/" as
// "~1".
func escapeToken(s string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}

// splitPointer returns the unescaped reference tokens of a JSON pointer ("" has none).
func splitPointer(p string) []string {
	if p == "" {
		return nil
	}
	parts := strings.Split(strings.TrimPrefix(p, "/"), "/")
	un := strings.NewReplacer("~1", "/", "~0", "~")
	for i, part := range parts {
		parts[i] = un.Replace(part)
	}
	return parts
}
