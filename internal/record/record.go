// Package record keeps the exchanges of a run as a HAR 1.2 log (conform run --record): each
// exchange an entry, each scenario a page, which HAR viewers group the entries by. It lies
// between the recorded exchange (steps) and the HAR format (internal/har), which knows nothing
// of conform.
package record

import (
	"io"
	"net/http"
	"slices"
	"sync"

	"github.com/conform-harness/conform/internal/har"
	"github.com/conform-harness/conform/judge"
	"github.com/conform-harness/conform/steps"
)

// Recording keeps the exchanges of a run, in the order they were recorded, each scenario a page
// of the HAR log. Its methods may be called from the scenarios' goroutines at once, and Write
// while the run still goes on. A nil *Recording keeps nothing.
type Recording struct {
	mu      sync.Mutex // guards entries and pages
	entries []har.Entry
	pages   []har.Page // one per scenario, in the order their first exchange came
}

// Add keeps ex, an exchange of scenario, whose page it names.
func (r *Recording) Add(scenario steps.ScenarioRef, ex judge.Exchange) {
	if r == nil {
		return
	}
	e := Entry(ex)
	e.PageRef = scenario.ID
	r.mu.Lock()
	defer r.mu.Unlock()
	if !slices.ContainsFunc(r.pages, func(p har.Page) bool { return p.ID == scenario.ID }) {
		r.pages = append(r.pages, har.Page{ID: scenario.ID, Title: scenario.Name, Started: ex.At})
	}
	r.entries = append(r.entries, e)
}

// Len is how many exchanges r kept.
func (r *Recording) Len() int {
	if r == nil {
		return 0
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.entries)
}

// Write writes what r kept so far to w as HAR 1.2 made by creator, every credential redacted by
// redact (when set) besides the credential headers the HAR writer always hides.
func (r *Recording) Write(w io.Writer, creator har.Creator, redact func([]byte) []byte) error {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	entries, pages := slices.Clone(r.entries), slices.Clone(r.pages)
	r.mu.Unlock()
	hw := har.NewWriter(w, creator, redact)
	for _, p := range pages {
		hw.Page(p)
	}
	for _, e := range entries {
		if err := hw.Add(e); err != nil {
			return err // the HAR writer's errors say "write HAR" already
		}
	}
	return hw.Close()
}

// Entry is ex as a HAR entry, on no page.
func Entry(ex judge.Exchange) har.Entry {
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
