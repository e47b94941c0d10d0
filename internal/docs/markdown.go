package docs

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
)

// markdown writes the book as GitHub-flavoured Markdown: a heading per feature, scenario and
// examples, steps as a list, tables as tables, tags as code spans.
func (b *book) markdown() string {
	var w mdWriter
	w.block("# Features")
	w.block(fmt.Sprintf("%s and %s, from the feature files.", plural(len(b.Features), "feature"), plural(b.Scenarios, "scenario")))
	for _, f := range b.Features {
		w.block(fmt.Sprintf("## %s: %s", f.Keyword, mdTitle(f.Name)))
		w.block("File: `" + f.File + "`")
		w.tags(f.Tags)
		w.paragraphs(f.Description)
		w.background(f.Background, "###")
		for _, s := range f.Scenarios {
			w.scenario(s, "###")
		}
		for _, r := range f.Rules {
			w.block(fmt.Sprintf("### %s: %s", r.Keyword, mdTitle(r.Name)))
			w.tags(r.Tags)
			w.paragraphs(r.Description)
			w.background(r.Background, "####")
			for _, s := range r.Scenarios {
				w.scenario(s, "####")
			}
		}
	}
	return w.String()
}

// mdWriter writes Markdown blocks separated by blank lines.
type mdWriter struct{ strings.Builder }

func (w *mdWriter) block(s string) {
	if w.Len() > 0 {
		w.WriteString("\n")
	}
	w.WriteString(s)
	w.WriteString("\n")
}

func (w *mdWriter) tags(tags []string) {
	if len(tags) > 0 {
		w.block("Tags: " + mdTags(tags))
	}
}

func (w *mdWriter) paragraphs(ps []string) {
	for _, p := range ps {
		w.block(mdInline(p))
	}
}

func (w *mdWriter) background(b *background, level string) {
	if b == nil {
		return
	}
	title := level + " " + b.Keyword
	if b.Name != "" {
		title += ": " + mdTitle(b.Name)
	}
	w.block(title)
	w.paragraphs(b.Description)
	w.steps(b.Steps)
}

func (w *mdWriter) scenario(s *scenario, level string) {
	w.block(fmt.Sprintf("%s %s: %s", level, s.Keyword, mdTitle(s.Name)))
	w.tags(s.Tags)
	w.paragraphs(s.Description)
	w.steps(s.Steps)
	for _, ex := range s.Examples {
		title := level + "# " + ex.Keyword
		if ex.Name != "" {
			title += ": " + mdTitle(ex.Name)
		}
		w.block(title)
		w.tags(ex.Tags)
		w.paragraphs(ex.Description)
		if len(ex.Header) > 0 {
			w.block(mdTable(append([][]string{ex.Header}, ex.Rows...), ""))
		}
	}
}

// steps writes steps as a list; a step's table or doc string is indented into its item.
func (w *mdWriter) steps(steps []step) {
	var b strings.Builder
	for i, s := range steps {
		if i > 0 && (len(s.Table) > 0 || s.DocString != "" || len(steps[i-1].Table) > 0 || steps[i-1].DocString != "") {
			b.WriteString("\n") // a loose item: its table needs blank lines around it
		}
		fmt.Fprintf(&b, "- **%s** %s\n", mdInline(s.Keyword), mdStep(s.Text))
		if len(s.Table) > 0 {
			b.WriteString("\n" + mdTable(s.Table, "  ") + "\n")
		}
		if s.DocString != "" {
			fence := mdFence(s.DocString)
			b.WriteString("\n  " + fence + "\n")
			for _, l := range strings.Split(s.DocString, "\n") {
				b.WriteString(strings.TrimRight("  "+l, " ") + "\n")
			}
			b.WriteString("  " + fence + "\n")
		}
	}
	w.block(strings.TrimSuffix(b.String(), "\n"))
}

// mdTable writes rows as a table whose first row is the header, each line indented.
func mdTable(rows [][]string, indent string) string {
	var b strings.Builder
	for i, r := range rows {
		cells := make([]string, len(r))
		for j, c := range r {
			cells[j] = mdCell(c)
		}
		b.WriteString(indent + "| " + strings.Join(cells, " | ") + " |\n")
		if i == 0 {
			b.WriteString(indent + "|" + strings.Repeat(" --- |", len(r)) + "\n")
		}
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// mdInline escapes what Markdown would read as markup in running text. An underscore inside a
// word (SHIPMENT_REFNUM) is left alone: GitHub-flavoured Markdown does not read it as emphasis.
func mdInline(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i, r := range rs {
		switch r {
		case '\\', '`', '*', '[', ']', '<', '>', '|':
			b.WriteRune('\\')
		case '_':
			if i == 0 || i == len(rs)-1 || !isWord(rs[i-1]) || !isWord(rs[i+1]) {
				b.WriteRune('\\')
			}
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isWord(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// mdTitle is a heading's text: inline-escaped, with a leading # kept from starting a deeper
// heading.
func mdTitle(s string) string {
	s = mdStep(s)
	if strings.HasPrefix(s, "#") {
		s = `\` + s
	}
	return s
}

// placeholder is a <name> of a scenario outline, filled from its examples.
var placeholder = regexp.MustCompile("<[^<>`\n]+>")

// mdStep writes a step's text with the <placeholders> of an outline as code.
func mdStep(s string) string {
	var b strings.Builder
	last := 0
	for _, m := range placeholder.FindAllStringIndex(s, -1) {
		b.WriteString(mdInline(s[last:m[0]]))
		b.WriteString("`" + s[m[0]:m[1]] + "`")
		last = m[1]
	}
	b.WriteString(mdInline(s[last:]))
	return b.String()
}

// mdFence returns a code fence longer than any run of backticks in s.
func mdFence(s string) string {
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return strings.Repeat("`", max(3, longest+1))
}

// mdCell is a table cell's text: inline-escaped, with line breaks as <br> so the row holds.
func mdCell(s string) string {
	if s == "" {
		return " "
	}
	return strings.ReplaceAll(mdInline(s), "\n", "<br>")
}

// mdTags writes tags as code spans, the badges Markdown has.
func mdTags(tags []string) string {
	var parts []string
	for _, t := range tags {
		parts = append(parts, "`"+t+"`")
	}
	return strings.Join(parts, " ")
}
