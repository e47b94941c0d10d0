// Package report renders a run's Cucumber Messages stream as one self-contained HTML page for
// people: a summary with the verdict, every feature, scenario and step with its result, each
// step's HTTP exchanges with the spec's verdict and the invariants its status documents broke,
// a timeline of the progress values each scenario observed with the documents that broke an
// invariant marked, and the state machine and invariants the harness enforces, drawn and listed
// from the tables of packages export and oracle.
//
// The page loads nothing from elsewhere: its stylesheet and pictures are inline, and it needs no
// script (exchanges collapse with <details>). It renders what the stream holds: the caller
// redacts secrets from the stream first.
package report

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"reflect"
	"regexp"
	"strings"
	"time"

	messages "github.com/cucumber/messages/go/v34"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/internal/coverage"
	"github.com/conform-harness/conform/oracle"
)

// Info is what the stream does not say about a run: what was tested and against which spec.
// Empty fields show as "not named".
type Info struct {
	Target      string // the API root the run was made against, shown as text, never as a link
	SpecTitle   string
	SpecVersion string
	// Deadlines, when set, says the contract's deadlines in force, e.g. "a cancellation settles
	// within 30s (contract.cancel_settles_within), …".
	Deadlines string
	// Stopped, when set, says why the run ended before its scenarios did (interrupted by a
	// signal, or its time limit): the page says so in its verdict and facts.
	Stopped string

	// Redact, when set, is applied to every text the page shows, after it is decoded from the
	// stream (credentials.Redactor's String fits). Redacting the stream's bytes first is still
	// the caller's job, but it cannot see a secret inside a BASE64 attachment, nor one with a
	// character that JSON escapes (" \ < > &), which appears escaped in the stream.
	Redact func(string) string
	// Coverage, when set, is the contract coverage of the run's traffic: the page shows it as a
	// matrix of the declared responses, the state machines' moves and the invariants.
	Coverage *coverage.Report
}

var (
	//go:embed style.css
	css string
	//go:embed report.html.tmpl
	reportTemplate string

	// stateMachineSVG is drawn from the transition tables the harness enforces.
	stateMachineSVG = template.HTML(machineSVG(export.RequestTransitions(), export.ItemTransitions()))
	// invariantList is what the oracle checks every status document against.
	invariantList = newInvariantViews(oracle.Invariants())
)

// CSS returns the stylesheet of conform's HTML pages, for other pages (the feature
// documentation) to inline so that they look the same.
func CSS() template.CSS { return template.CSS(css) }

var reportPage = template.Must(template.New("report").Funcs(template.FuncMap{
	"css":            CSS,
	"stateMachine":   func() template.HTML { return stateMachineSVG },
	"invariants":     func() []invariantView { return invariantList },
	"preciseInstant": preciseInstant,
	"instant":        instant,
	"duration":       duration,
	"stepText":       HighlightStep,
	"mark":           mark,
	"progressClass":  progressClass,
	"inc":            func(n int64) int64 { return n + 1 },
	"add":            func(a, b float64) float64 { return a + b },
	"percent":        coverage.Percent,
}).Parse(reportTemplate))

// WriteHTML renders envs, a run's Cucumber Messages in stream order, as one HTML page. The
// start, duration, counts and verdict come from the stream; a stream that stops early gives a
// report of what it holds, with the verdict "incomplete". It fails only when w does.
func WriteHTML(w io.Writer, envs []*messages.Envelope, info Info) error {
	p := buildPage(envs, info)
	if info.Redact != nil {
		redactStrings(reflect.ValueOf(p), info.Redact)
	}
	var buf bytes.Buffer
	if err := reportPage.Execute(&buf, p); err != nil {
		return fmt.Errorf("render report: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// redactStrings applies redact to every string reachable from v through exported fields,
// pointers, slices and map values.
func redactStrings(v reflect.Value, redact func(string) string) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			redactStrings(v.Elem(), redact)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				redactStrings(v.Field(i), redact)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			redactStrings(v.Index(i), redact)
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(v.MapIndex(k))
			redactStrings(e, redact)
			v.SetMapIndex(k, e)
		}
	case reflect.String:
		if v.CanSet() {
			v.SetString(redact(v.String()))
		}
	}
}

// instant shows a point in time in UTC; the datetime attribute lets tests find every time.
func instant(t time.Time) template.HTML {
	t = t.UTC()
	return template.HTML(fmt.Sprintf(`<time datetime="%s">%s</time>`,
		t.Format(time.RFC3339Nano), t.Format("2006-01-02 15:04:05 UTC")))
}

// preciseInstant shows a point in time in UTC to the millisecond, for documents seen a moment
// apart.
func preciseInstant(t time.Time) template.HTML {
	t = t.UTC()
	return template.HTML(fmt.Sprintf(`<time datetime="%s">%s</time>`,
		t.Format(time.RFC3339Nano), t.Format("2006-01-02 15:04:05.000 UTC")))
}

// invariantView is one invariant as the page lists it; its text's `backquoted` words are code.
type invariantView struct {
	Number int
	Name   string
	Text   template.HTML
}

func newInvariantViews(list []oracle.Invariant) []invariantView {
	out := make([]invariantView, len(list))
	for i, inv := range list {
		out[i] = invariantView{Number: inv.Number, Name: inv.Name, Text: codeSpans(inv.Text)}
	}
	return out
}

// codeSpans escapes text and shows its `backquoted` parts as code.
func codeSpans(text string) template.HTML {
	var b strings.Builder
	for i, part := range strings.Split(text, "`") {
		if i%2 == 1 {
			b.WriteString("<code>" + template.HTMLEscapeString(part) + "</code>")
			continue
		}
		b.WriteString(template.HTMLEscapeString(part))
	}
	return template.HTML(b.String())
}

// duration shows a length of time to a precision that suits it.
func duration(d time.Duration) template.HTML {
	var s string
	switch {
	case d < time.Millisecond:
		s = fmt.Sprintf("%d µs", d.Microseconds())
	case d < time.Second:
		s = fmt.Sprintf("%d ms", d.Milliseconds())
	case d < time.Minute:
		s = fmt.Sprintf("%.2f s", d.Seconds())
	default:
		s = d.Round(time.Second).String()
	}
	return template.HTML(fmt.Sprintf(`<time datetime="PT%gS">%s</time>`, d.Seconds(), s))
}

func mark(status string) string {
	switch status {
	case "passed":
		return "✓"
	case "failed":
		return "✗"
	case "skipped":
		return "–"
	case "undefined", "ambiguous":
		return "?"
	case "pending":
		return "…"
	}
	return "·"
}

// stepArgs finds what a step's text is about: quoted strings and <placeholders> of an outline.
var stepArgs = regexp.MustCompile(`"[^"]*"|<[^<>\s][^<>]*>`)

// HighlightStep returns a step's text as HTML, its quoted strings and the <placeholders> of a
// scenario outline marked so that they stand out.
func HighlightStep(text string) template.HTML {
	var b strings.Builder
	last := 0
	for _, m := range stepArgs.FindAllStringIndex(text, -1) {
		b.WriteString(template.HTMLEscapeString(text[last:m[0]]))
		class := "arg"
		if text[m[0]] == '<' {
			class = "placeholder"
		}
		fmt.Fprintf(&b, `<span class="%s">%s</span>`, class, template.HTMLEscapeString(text[m[0]:m[1]]))
		last = m[1]
	}
	b.WriteString(template.HTMLEscapeString(text[last:]))
	return template.HTML(b.String())
}
