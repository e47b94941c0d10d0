// Package docs renders Gherkin features, without running them, as documentation for a wiki or a
// docs site: Markdown, or one self-contained HTML page styled like conform's report.
package docs

import (
	"bytes"
	_ "embed"
	"fmt"
	htmltemplate "html/template"
	"io"
	"io/fs"
	"path"
	"strings"

	gherkin "github.com/cucumber/gherkin/go/v42"
	messages "github.com/cucumber/messages/go/v34"

	"github.com/conform-harness/conform/internal/report"
)

//go:embed features.html.tmpl
var htmlTemplate string

var htmlPage = htmltemplate.Must(htmltemplate.New("html").Funcs(htmltemplate.FuncMap{
	"css":      report.CSS,
	"stepText": report.HighlightStep,
	"rows":     func(header []string, body [][]string) [][]string { return append([][]string{header}, body...) },
}).Parse(htmlTemplate))

// Markdown writes every feature in fsys (files ending in .feature, at any depth, sorted by path)
// as GitHub-flavoured Markdown. It fails when a feature does not parse or w fails.
func Markdown(w io.Writer, fsys fs.FS) error {
	return render(w, fsys, func(w io.Writer, b *book) error {
		_, err := io.WriteString(w, b.markdown())
		return err
	})
}

// HTML writes every feature in fsys (files ending in .feature, at any depth, sorted by path) as
// one HTML page that loads nothing from elsewhere. It fails when a feature does not parse or w
// fails.
func HTML(w io.Writer, fsys fs.FS) error {
	return render(w, fsys, func(w io.Writer, b *book) error { return htmlPage.Execute(w, b) })
}

func render(w io.Writer, fsys fs.FS, execute func(io.Writer, *book) error) error {
	book, err := load(fsys)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := execute(&buf, book); err != nil {
		return fmt.Errorf("render features: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write features: %w", err)
	}
	return nil
}

// book is every feature, ready to show.
type book struct {
	Features  []*feature
	Scenarios int // as a run counts them: an outline counts once per row of its examples
}

type feature struct {
	ID          string
	File        string
	Keyword     string
	Name        string
	Tags        []string
	Description []string
	Background  *background
	Scenarios   []*scenario
	Rules       []*rule
}

type rule struct {
	ID          string
	Keyword     string
	Name        string
	Tags        []string
	Description []string
	Background  *background
	Scenarios   []*scenario
}

type background struct {
	Keyword     string
	Name        string
	Description []string
	Steps       []step
}

type scenario struct {
	ID          string
	Keyword     string
	Name        string
	Tags        []string
	Description []string
	Steps       []step
	Examples    []examples
}

type step struct {
	Keyword   string
	Text      string
	Table     [][]string
	DocString string
}

type examples struct {
	Keyword     string
	Name        string
	Tags        []string
	Description []string
	Header      []string
	Rows        [][]string
}

// load parses every feature of fsys.
func load(fsys fs.FS) (*book, error) {
	var paths []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && path.Ext(p) == ".feature" {
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("find features: %w", err)
	}
	b := &book{}
	for _, p := range paths { // WalkDir walks in lexical order
		src, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil, fmt.Errorf("read feature: %w", err)
		}
		var ids messages.Incrementing
		doc, err := gherkin.ParseGherkinDocument(bytes.NewReader(src), ids.NewId)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", p, err)
		}
		if doc.Feature == nil {
			continue // an empty file
		}
		f := newFeature(doc.Feature, p, fmt.Sprintf("f%d", len(b.Features)+1))
		b.Features = append(b.Features, f)
		b.Scenarios += runs(f.Scenarios)
		for _, r := range f.Rules {
			b.Scenarios += runs(r.Scenarios)
		}
	}
	return b, nil
}

// runs counts the scenarios a run makes of these: one per scenario, one per examples row of an
// outline.
func runs(scenarios []*scenario) int {
	n := 0
	for _, s := range scenarios {
		if len(s.Examples) == 0 {
			n++
		}
		for _, ex := range s.Examples {
			n += len(ex.Rows)
		}
	}
	return n
}

func newFeature(f *messages.Feature, file, id string) *feature {
	out := &feature{ID: id, File: file, Keyword: f.Keyword, Name: f.Name, Tags: report.TagNames(f.Tags), Description: report.Paragraphs(f.Description)}
	n := 0
	for _, c := range f.Children {
		switch {
		case c.Background != nil:
			out.Background = newBackground(c.Background)
		case c.Scenario != nil:
			n++
			out.Scenarios = append(out.Scenarios, newScenario(c.Scenario, fmt.Sprintf("%s-s%d", id, n)))
		case c.Rule != nil:
			r := &rule{ID: fmt.Sprintf("%s-r%d", id, len(out.Rules)+1), Keyword: c.Rule.Keyword, Name: c.Rule.Name,
				Tags: report.TagNames(c.Rule.Tags), Description: report.Paragraphs(c.Rule.Description)}
			for _, rc := range c.Rule.Children {
				if rc.Background != nil {
					r.Background = newBackground(rc.Background)
				}
				if rc.Scenario != nil {
					n++
					r.Scenarios = append(r.Scenarios, newScenario(rc.Scenario, fmt.Sprintf("%s-s%d", id, n)))
				}
			}
			out.Rules = append(out.Rules, r)
		}
	}
	return out
}

func newBackground(b *messages.Background) *background {
	return &background{Keyword: b.Keyword, Name: b.Name, Description: report.Paragraphs(b.Description), Steps: newSteps(b.Steps)}
}

func newScenario(s *messages.Scenario, id string) *scenario {
	out := &scenario{ID: id, Keyword: s.Keyword, Name: s.Name, Tags: report.TagNames(s.Tags), Description: report.Paragraphs(s.Description), Steps: newSteps(s.Steps)}
	for _, ex := range s.Examples {
		e := examples{Keyword: ex.Keyword, Name: ex.Name, Tags: report.TagNames(ex.Tags), Description: report.Paragraphs(ex.Description)}
		if ex.TableHeader != nil {
			e.Header = cells(ex.TableHeader)
		}
		for _, r := range ex.TableBody {
			e.Rows = append(e.Rows, cells(r))
		}
		out.Examples = append(out.Examples, e)
	}
	return out
}

func newSteps(steps []*messages.Step) []step {
	var out []step
	for _, s := range steps {
		st := step{Keyword: strings.TrimSpace(s.Keyword), Text: s.Text}
		if s.DataTable != nil {
			for _, r := range s.DataTable.Rows {
				st.Table = append(st.Table, cells(r))
			}
		}
		if s.DocString != nil {
			st.DocString = s.DocString.Content
		}
		out = append(out, st)
	}
	return out
}

func cells(r *messages.TableRow) []string {
	out := make([]string, len(r.Cells))
	for i, c := range r.Cells {
		out[i] = c.Value
	}
	return out
}
