package drift

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/conform-harness/conform/judge"
)

// Formats are the forms a report is written in: Console (the default), Markdown (a pull
// request's comment, a CI job's summary) and JSON (tools).
const (
	FormatConsole  = "console"
	FormatMarkdown = "markdown"
	FormatJSON     = "json"
)

// Write writes r to w in format (FormatConsole, FormatMarkdown or FormatJSON); an unknown
// format is an error.
func Write(w io.Writer, r Report, format string) error {
	switch format {
	case FormatConsole, "":
		return writeConsole(w, r)
	case FormatMarkdown:
		return writeMarkdown(w, r)
	case FormatJSON:
		b, err := json.MarshalIndent(r, "", "  ")
		if err != nil {
			return err
		}
		_, err = w.Write(append(b, '\n'))
		return err
	}
	return fmt.Errorf("unknown format %q: want console, markdown or json", format)
}

// Verdict says in one line how many drifts the report holds and how many fail.
func (r Report) Verdict() string {
	kinds := make([]string, len(r.FailOn))
	for i, k := range r.FailOn {
		kinds[i] = string(k)
	}
	on := strings.Join(kinds, ",")
	if on == "" {
		on = "none"
	}
	return fmt.Sprintf("%d drift(s); %d of the kinds --fail-on %s fails on", r.Count(), r.Failing, on)
}

func writeConsole(out io.Writer, r Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "BASELINE %s\nCURRENT  %s\n", sideLine(r.Baseline), sideLine(r.Current))
	for _, g := range r.Groups {
		fmt.Fprintf(&b, "\n%s", g.Name)
		if g.Call != "" {
			fmt.Fprintf(&b, "  %s", g.Call)
		}
		b.WriteString("\n")
		if len(g.Drifts) == 0 {
			b.WriteString("  no drift\n")
			continue
		}
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		for _, d := range g.Drifts {
			mark := " "
			if r.Fails(d) {
				mark = "✗"
			}
			// The subject is not padded: one long violation would push every line's counts far right.
			fmt.Fprintf(tw, "%s %s\t%s\t%s  (%s → %s)\n", mark, d.Kind, d.Change, judge.EscapeControls(d.Subject), judge.EscapeControls(d.Before), judge.EscapeControls(d.After))
		}
		tw.Flush()
	}
	b.WriteString("\ntimings\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  \tBASELINE p50 / p95 (n)\tCURRENT p50 / p95 (n)\tdeadline\n")
	for _, t := range r.Timings {
		mark := " "
		if t.Drift != "" && slices.Contains(r.FailOn, t.Drift) {
			mark = "✗"
		}
		drift := ""
		if t.Drift != "" {
			drift = "  " + string(t.Drift)
		}
		fmt.Fprintf(tw, "%s %s\t%s\t%s\t%s%s\n", mark, t.Name, statsText(t.Before), statsText(t.After), orDash(t.DeadlineText), drift)
	}
	tw.Flush()
	fmt.Fprintf(&b, "\n%s\n", r.Verdict())
	_, err := io.WriteString(out, b.String())
	return err
}

func writeMarkdown(out io.Writer, r Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "## conform diff: `%s` → `%s`\n\n", code(r.Baseline.File), code(r.Current.File))
	fmt.Fprintf(&b, "**%s**\n\n", r.Verdict())
	b.WriteString("| | recording | exchanges | export requests |\n|---|---|---|---|\n")
	for _, s := range []struct {
		name string
		side Side
	}{{"BASELINE", r.Baseline}, {"CURRENT", r.Current}} {
		fmt.Fprintf(&b, "| %s | `%s` | %d | %d |\n", s.name, code(s.side.File), s.side.Exchanges, s.side.Requests)
	}
	for _, s := range []Side{r.Baseline, r.Current} {
		if s.Bounded != "" {
			fmt.Fprintf(&b, "\n`%s` was read within bounds: %s.\n", code(s.File), cell(s.Bounded))
		}
	}
	for _, g := range r.Groups {
		fmt.Fprintf(&b, "\n### %s", g.Name)
		if g.Call != "" {
			fmt.Fprintf(&b, " — `%s`", g.Call)
		}
		b.WriteString("\n\n")
		if len(g.Drifts) == 0 {
			b.WriteString("No drift.\n")
			continue
		}
		b.WriteString("| | kind | change | what | BASELINE | CURRENT |\n|---|---|---|---|---|---|\n")
		for _, d := range g.Drifts {
			mark := ""
			if r.Fails(d) {
				mark = "❌"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | `%s` | %s | %s |\n", mark, d.Kind, d.Change, code(d.Subject), cell(d.Before), cell(d.After))
		}
	}
	b.WriteString("\n### timings\n\n| | timing | BASELINE p50 / p95 (n) | CURRENT p50 / p95 (n) | deadline |\n|---|---|---|---|---|\n")
	for _, t := range r.Timings {
		mark := ""
		switch {
		case t.Drift != "" && slices.Contains(r.FailOn, t.Drift):
			mark = "❌ " + string(t.Drift)
		case t.Drift != "":
			mark = string(t.Drift)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", mark, cell(t.Name), statsText(t.Before), statsText(t.After), cell(orDash(t.DeadlineText)))
	}
	_, err := io.WriteString(out, b.String())
	return err
}

func sideLine(s Side) string {
	line := fmt.Sprintf("%s: %d exchange(s) of the export API, %d export request(s)", judge.EscapeControls(s.File), s.Exchanges, s.Requests)
	if s.Bounded != "" {
		line += "; within bounds: " + s.Bounded
	}
	return line
}

func statsText(s Stats) string {
	if s.N == 0 {
		return "—"
	}
	return fmt.Sprintf("%s / %s (%d)", duration(s.P50), duration(s.P95), s.N)
}

// duration writes d to the millisecond.
func duration(d time.Duration) string { return d.Round(time.Millisecond).String() }

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// cell is s for a Markdown table cell: one line, its pipes escaped.
func cell(s string) string {
	return strings.ReplaceAll(judge.EscapeControls(s), "|", `\|`)
}

// code is s for a Markdown code span inside a table cell: no backtick can close it early.
func code(s string) string {
	return strings.ReplaceAll(cell(s), "`", "'")
}
