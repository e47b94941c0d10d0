package docs

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"golang.org/x/net/html"

	"github.com/conform-harness/conform/internal/golden"

	"github.com/conform-harness/conform/features"
)

func TestGoldenOfTheRealFeatures(t *testing.T) {
	tests := []struct {
		file   string
		render func(*bytes.Buffer) error
	}{
		{"features.md", func(b *bytes.Buffer) error { return Markdown(b, features.FS) }},
		{"features.html", func(b *bytes.Buffer) error { return HTML(b, features.FS) }},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, tt.render(&buf))
			golden.Assert(t, filepath.Join("testdata", "golden", tt.file), []byte(buf.String()))
		})
	}
}

// sample has what the documentation must show, in files out of order and in a folder.
var sample = fstest.MapFS{
	"b.feature": {Data: []byte(`@billing
Feature: Second by name
  Described *here*, with a | pipe.

  Rule: Only one rule

    Background:
      Given a rule background

    Example: Inside the rule
      Given a doc string:
        """json
        {"a": 1}
        """
`)},
	"a.feature": {Data: []byte(`Feature: First by name

  Background:
    Given I am an authorised integration user

  @slow @wip
  Scenario: Tables and placeholders
    Given these tables:
      | table    | records |
      | SHIPMENT | 92      |
      | A\|B     |         |
    Then done

  Scenario Outline: An outline for <outcome>
    Given progress "<outcome>"

    @fake-only
    Examples: Named examples
      | outcome   |
      | succeeded |
      | failed    |
`)},
	"sub/c.feature": {Data: []byte("Feature: In a folder\n  Scenario: Deep\n    Given x\n")},
	"notes.txt":     {Data: []byte("not a feature")},
}

func TestMarkdown(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, Markdown(&buf, sample))
	out := buf.String()

	first, second, third := strings.Index(out, "First by name"), strings.Index(out, "Second by name"), strings.Index(out, "In a folder")
	require.True(t, 0 < first && first < second && second < third, "sorted by path:\n%s", out)
	for _, want := range []string{
		"3 features and 5 scenarios, from the feature files.",
		"## Feature: First by name\n\nFile: `a.feature`",
		"### Background\n\n- **Given** I am an authorised integration user\n",
		"### Scenario: Tables and placeholders\n\nTags: `@slow` `@wip`\n",
		"- **Given** these tables:\n\n  | table | records |\n  | --- | --- |\n  | SHIPMENT | 92 |\n  | A\\|B |   |\n\n- **Then** done\n",
		"### Scenario Outline: An outline for `<outcome>`\n",
		"- **Given** progress \"`<outcome>`\"\n",
		"#### Examples: Named examples\n\nTags: `@fake-only`\n\n| outcome |\n| --- |\n| succeeded |\n| failed |\n",
		"Tags: `@billing`\n\nDescribed \\*here\\*, with a \\| pipe.\n",
		"### Rule: Only one rule\n\n#### Background\n\n- **Given** a rule background\n",
		"#### Example: Inside the rule\n\n- **Given** a doc string:\n\n  ```\n  {\"a\": 1}\n  ```\n",
	} {
		require.Contains(t, out, want)
	}
	require.NotContains(t, out, "not a feature")
}

func TestHTML(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, HTML(&buf, sample))
	doc, err := html.Parse(strings.NewReader(buf.String()))
	require.NoError(t, err)

	var featureNames []string
	for _, f := range find(doc, "section", "feature") {
		featureNames = append(featureNames, text(find(f, "h2", "")[0]))
	}
	require.Equal(t, []string{"Feature: First by name", "Feature: Second by name", "Feature: In a folder"}, featureNames)
	require.Len(t, find(doc, "article", "scenario"), 4)
	require.Len(t, find(doc, "article", "background"), 2)
	var tags []string
	for _, tag := range find(doc, "li", "tag") {
		tags = append(tags, text(tag))
	}
	require.Equal(t, []string{"@slow", "@wip", "@fake-only", "@billing"}, tags)
	tables := find(doc, "table", "data")
	require.Len(t, tables, 2, "the step's data table and the examples")
	require.Equal(t, "tablerecordsSHIPMENT92A|B", text(tables[0]))
	require.Equal(t, "outcomesucceededfailed", text(tables[1]))
	require.Len(t, find(doc, "span", "placeholder"), 1, "the placeholder in the outline's name")
	require.Equal(t, `{"a": 1}`, text(find(doc, "pre", "docstring")[0]))
	for _, n := range find(doc, "", "") {
		for _, a := range n.Attr {
			if a.Key == "href" || a.Key == "src" {
				require.True(t, strings.HasPrefix(a.Val, "#"), "<%s %s=%q> points outside the page", n.Data, a.Key, a.Val)
			}
		}
		require.NotContains(t, []string{"script", "link", "img"}, n.Data)
	}
	require.Contains(t, buf.String(), ".scenario-head", "the report's stylesheet is inlined")
}

func TestParseErrorNamesTheFile(t *testing.T) {
	bad := fstest.MapFS{"a.feature": {Data: []byte("Feature: a\n")}, "broken.feature": {Data: []byte("Nonsense\n")}}
	for _, render := range []func(*bytes.Buffer) error{
		func(b *bytes.Buffer) error { return Markdown(b, bad) },
		func(b *bytes.Buffer) error { return HTML(b, bad) },
	} {
		var buf bytes.Buffer
		require.ErrorContains(t, render(&buf), "parse broken.feature")
		require.Zero(t, buf.Len(), "nothing is written when a feature does not parse")
	}
}

func TestMarkdownEscaping(t *testing.T) {
	tests := []struct{ in, want string }{
		{"SHIPMENT_REFNUM", "SHIPMENT_REFNUM"},
		{"_emphasis_", `\_emphasis\_`},
		{"a * b [c] <d> `e` | f \\ g", "a \\* b \\[c\\] \\<d\\> \\`e\\` \\| f \\\\ g"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, mdInline(tt.in))
	}
	require.Equal(t, "````", mdFence("has ``` inside"))
	require.Equal(t, `\#1 fan`, mdTitle("#1 fan"))
	require.Equal(t, "a<br>b", mdCell("a\nb"))
}

// find returns the elements below n with the tag name and class given ("" matches any).
func find(n *html.Node, tag, class string) []*html.Node {
	var out []*html.Node
	for d := range n.Descendants() {
		if d.Type != html.ElementNode || (tag != "" && d.Data != tag) {
			continue
		}
		if class == "" || hasClass(d, class) {
			out = append(out, d)
		}
	}
	return out
}

func hasClass(n *html.Node, class string) bool {
	for _, a := range n.Attr {
		if a.Key == "class" {
			for _, c := range strings.Fields(a.Val) {
				if c == class {
					return true
				}
			}
		}
	}
	return false
}

func text(n *html.Node) string {
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
		}
	}
	return strings.TrimSpace(b.String())
}
