package main

import (
	"bytes"
	"fmt"
	"net/http"
	"sync"

	"conform/internal/har"
	"conform/steps"
)

// recording keeps the exchanges of a run for --record, in the order they were recorded. A nil
// recording keeps nothing.
type recording struct {
	mu      sync.Mutex
	entries []har.Entry
}

// add keeps ex.
func (r *recording) add(ex steps.Exchange) {
	if r == nil {
		return
	}
	e := harEntry(ex)
	r.mu.Lock()
	defer r.mu.Unlock()
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
	entries := append([]har.Entry(nil), r.entries...)
	r.mu.Unlock()
	var buf bytes.Buffer
	if err := har.Write(&buf, har.Creator{Name: "conform", Version: version}, entries, redact); err != nil {
		return fmt.Errorf("--record: %w", err)
	}
	return writeOutput("--record", path, buf.Bytes())
}

// harEntry is ex as a HAR entry.
func harEntry(ex steps.Exchange) har.Entry {
	e := har.Entry{
		Started:    ex.At,
		Method:     ex.Method,
		URL:        ex.URL,
		ReqHeader:  ex.ReqHeader,
		ReqBody:    ex.ReqBody,
		Status:     ex.Status,
		RespHeader: ex.RespHeader,
		RespBody:   ex.RespBody,
	}
	if ex.Err != nil {
		e.Err = ex.Err.Error()
	}
	if e.Status != 0 {
		e.StatusText = http.StatusText(e.Status)
	}
	return e
}
