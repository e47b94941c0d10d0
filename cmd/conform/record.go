package main

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"sync"

	"github.com/conform-harness/conform/internal/har"
	"github.com/conform-harness/conform/judge"
	"github.com/conform-harness/conform/steps"
)

// recording keeps the exchanges of a run for --record, in the order they were recorded, each
// scenario a page of the HAR log, which viewers group the entries by. A nil recording keeps
// nothing.
type recording struct {
	mu      sync.Mutex
	entries []har.Entry
	pages   []har.Page // one per scenario, in the order their first exchange came
}

// add keeps ex, an exchange of scenario, whose page it names.
func (r *recording) add(scenario steps.ScenarioRef, ex judge.Exchange) {
	if r == nil {
		return
	}
	e := harEntry(ex)
	e.PageRef = scenario.ID
	r.mu.Lock()
	defer r.mu.Unlock()
	if !slices.ContainsFunc(r.pages, func(p har.Page) bool { return p.ID == scenario.ID }) {
		r.pages = append(r.pages, har.Page{ID: scenario.ID, Title: scenario.Name, Started: ex.At})
	}
	r.entries = append(r.entries, e)
}

func (r *recording) len() int {
	if r == nil {
		return 0
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.entries)
}

// write writes what r kept to path as HAR 1.2, every credential redacted by redact (when set)
// besides the credential headers the HAR writer always hides.
func (r *recording) write(path string, redact func([]byte) []byte) error {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	entries, pages := slices.Clone(r.entries), slices.Clone(r.pages)
	r.mu.Unlock()
	var buf bytes.Buffer
	w := har.NewWriter(&buf, har.Creator{Name: "conform", Version: version}, redact)
	for _, p := range pages {
		w.Page(p)
	}
	for _, e := range entries {
		if err := w.Add(e); err != nil {
			return fmt.Errorf("--record: %w", err)
		}
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("--record: %w", err)
	}
	return writeOutput("--record", path, buf.Bytes())
}

// harEntry is ex as a HAR entry.
func harEntry(ex judge.Exchange) har.Entry {
	e := har.Entry{
		Started:    ex.At,
		Method:     ex.Method,
		URL:        ex.URL,
		ReqHeader:  ex.ReqHeader,
		ReqBody:    ex.ReqBody,
		Status:     ex.Status,
		RespHeader: ex.RespHeader,
		RespBody:   ex.RespBody,

		MalformedOnPurpose: ex.MalformedOnPurpose,
	}
	if ex.Err != nil {
		e.Err = ex.Err.Error()
	}
	if e.Status != 0 {
		e.StatusText = http.StatusText(e.Status)
	}
	return e
}
