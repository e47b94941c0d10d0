package specdiff

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/conform-harness/conform/openapi"
)

// WriteText writes the report for a console: the two documents and their calls, then the
// breaking changes and the others, each with why.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s → %s\n", r.Old.title(), r.New.title())
	for _, c := range openapi.APICalls() {
		fmt.Fprintf(&b, "  %-6s  %s\n", c, shown(r.operations(c.String())))
	}
	b.WriteString("\n")
	breaking := r.Breaking()
	section := func(head string, want bool) {
		fmt.Fprintf(&b, "%s\n", head)
		for _, c := range r.Changes {
			if c.Breaking == want {
				fmt.Fprintf(&b, "  %-6s  %s\n          why: %s\n", c.Call, shown(c.Text), shown(c.Why))
			}
		}
	}
	switch {
	case len(r.Changes) == 0:
		b.WriteString("No change to the three calls.\n")
	case breaking == 0:
		b.WriteString("No change breaks the contract conform checks.\n")
	default:
		section(fmt.Sprintf("%s the contract conform checks:", count(breaking, "change breaks", "changes break")), true)
	}
	if rest := len(r.Changes) - breaking; rest > 0 {
		b.WriteString("\n")
		section(fmt.Sprintf("%s not:", count(rest, "change does", "changes do")), false)
	}
	if r.Elsewhere > 0 {
		fmt.Fprintf(&b, "\n%s outside the three calls (the info, components) left out; other paths are not compared.\n", count(r.Elsewhere, "change", "changes"))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteMarkdown writes the report as Markdown, for a pull request's comment or a CI job's
// summary: a summary line, the calls in each document, and a table each of the breaking
// changes and of the others.
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "## Spec diff: %s → %s\n\n", r.Old.mdTitle(), r.New.mdTitle())
	breaking := r.Breaking()
	switch {
	case len(r.Changes) == 0:
		b.WriteString("No change to the three calls.")
	case breaking == 0:
		fmt.Fprintf(&b, "No change breaks the contract conform checks; %s to the three calls.", count(len(r.Changes), "harmless change", "harmless changes"))
	default:
		fmt.Fprintf(&b, "**%s the contract conform checks**", count(breaking, "change breaks", "changes break"))
		if rest := len(r.Changes) - breaking; rest > 0 {
			fmt.Fprintf(&b, "; %s not", count(rest, "change does", "changes do"))
		}
		b.WriteString(".")
	}
	if r.Elsewhere > 0 {
		fmt.Fprintf(&b, " %s outside the three calls (the info, components) left out; other paths are not compared.", count(r.Elsewhere, "change", "changes"))
	}
	b.WriteString("\n\n| call | old | new |\n|---|---|---|\n")
	for _, c := range openapi.APICalls() {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", c, mdOperation(r.Old.Calls[c.String()]), mdOperation(r.New.Calls[c.String()]))
	}
	table := func(head string, want bool) {
		fmt.Fprintf(&b, "\n### %s\n\n| call | change | why |\n|---|---|---|\n", head)
		for _, c := range r.Changes {
			if c.Breaking == want {
				fmt.Fprintf(&b, "| %s | %s | %s |\n", c.Call, mdCell(c.Text), mdCell(c.Why))
			}
		}
	}
	if breaking > 0 {
		table("Breaking for the contract", true)
	}
	if len(r.Changes) > breaking {
		table("Not breaking", false)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON writes the report as one JSON object: the Report's fields and "breaking", the
// number of breaking changes.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		*Report
		Breaking int `json:"breaking"`
	}{r, r.Breaking()})
}

func (d Document) title() string {
	if d.Version == "" {
		return shown(d.File)
	}
	return fmt.Sprintf("%s (%s)", shown(d.File), shown(d.Version))
}

func (d Document) mdTitle() string {
	if d.Version == "" {
		return "`" + mdCell(d.File) + "`"
	}
	return fmt.Sprintf("`%s` (%s)", mdCell(d.File), mdCell(d.Version))
}

// operations renders where each document describes call: once when both agree.
func (r *Report) operations(call string) string {
	o, n := r.Old.Calls[call], r.New.Calls[call]
	switch {
	case o == n && o == "":
		return "described by neither"
	case o == n:
		return o
	case o == "":
		return "not described → " + n
	case n == "":
		return o + " → not described"
	}
	return o + " → " + n
}

func mdOperation(op string) string {
	if op == "" {
		return "not described"
	}
	return "`" + mdCell(op) + "`"
}

// mdCell makes text safe in a Markdown table's cell: a pipe would end the cell and a newline
// the row.
func mdCell(s string) string {
	s = strings.NewReplacer("|", `\|`, "<", "&lt;", ">", "&gt;").Replace(shown(s))
	return strings.Join(strings.Fields(s), " ")
}

// maxShown bounds, in runes, each text of the vendor's documents that the console and the
// Markdown show (a property's name, an enum value): what the documents hold is the vendor's,
// and may be huge or hold control characters. The JSON report keeps it whole, escaped.
const maxShown = 300

// shown returns s fit for a terminal: control characters (an escape sequence, a newline) as
// spaces, and at most maxShown runes.
func shown(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	if utf8.RuneCountInString(s) > maxShown {
		s = string([]rune(s)[:maxShown]) + "…"
	}
	return s
}

func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
