// Package specdiff compares two of a vendor's OpenAPI documents (release 26b and 26c, say) and
// tells which changes break the contract conform checks. oasdiff finds the changes; specdiff
// keeps those of the API's three calls (create, status, cancel, found in each document as
// openapi.Calls finds them, wherever the vendor puts them) and judges each against the
// contract: the calls' statuses, the status document's fields that the oracle reads, the
// progress values, and the requests conform sends.
package specdiff

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oasdiff/oasdiff/checker"
	"github.com/oasdiff/oasdiff/diff"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/openapi"
)

// Report is the comparison of two documents, reduced to the API's three calls.
type Report struct {
	Old Document `json:"old"`
	New Document `json:"new"`
	// Changes are the changes to the three calls, breaking ones first, then by call (create,
	// status, cancel) and in oasdiff's order.
	Changes []Change `json:"changes"`
	// Elsewhere counts the changes oasdiff found outside the three calls' operations: the
	// document's info and components. Other paths are not compared at all. None of them is part
	// of the contract.
	Elsewhere int `json:"elsewhere"`
}

// Document is one of the two documents compared.
type Document struct {
	File    string `json:"file"`
	Version string `json:"version"` // info.version
	// Calls are the operations that describe the API's calls, by call name ("create",
	// "status", "cancel"); a call the document does not describe is absent.
	Calls map[string]string `json:"calls"`
}

// Change is one change to one of the three calls, judged against the contract.
type Change struct {
	Call      string `json:"call"`      // "create", "status" or "cancel"
	Operation string `json:"operation"` // the operation as the document that has it writes it, e.g. "POST /exportRequests"
	Breaking  bool   `json:"breaking"`  // whether it breaks the contract conform checks
	Text      string `json:"text"`      // what changed, in oasdiff's words
	Why       string `json:"why"`       // why it breaks the contract, or why not
	ID        string `json:"id"`        // oasdiff's rule, e.g. "response-success-status-removed"
	Level     string `json:"level"`     // oasdiff's own severity: "error", "warning" or "info"
}

// Breaking returns how many changes break the contract.
func (r *Report) Breaking() int {
	n := 0
	for _, c := range r.Changes {
		if c.Breaking {
			n++
		}
	}
	return n
}

// Compare loads the OpenAPI 3.0 or 3.1 documents oldFile and newFile (JSON or YAML, each at
// most openapi.MaxSpecBytes, without references to other files) and compares them. A file
// that cannot be read or is not a valid document is an *openapi.SpecError; two documents of
// which neither describes any of the API's calls are an error too: there is no contract to
// compare them against.
func Compare(oldFile, newFile string) (*Report, error) {
	oldDoc, err := openapi.LoadFile(oldFile)
	if err != nil {
		return nil, err
	}
	newDoc, err := openapi.LoadFile(newFile)
	if err != nil {
		return nil, err
	}
	return compareDocs(oldFile, oldDoc, newFile, newDoc)
}

func compareDocs(oldFile string, oldDoc *openapi3.T, newFile string, newDoc *openapi3.T) (*Report, error) {
	oldCalls, newCalls := openapi.Calls(oldDoc), openapi.Calls(newDoc)
	if len(oldCalls) == 0 && len(newCalls) == 0 {
		return nil, fmt.Errorf("neither %s nor %s describes any of the API's calls (%s, %s, %s below the API root)",
			oldFile, newFile, openapi.CallShape(export.CallCreate), openapi.CallShape(export.CallStatus), openapi.CallShape(export.CallCancel))
	}
	config := diff.NewConfig()
	config.MatchPath = callPaths(oldCalls, newCalls)
	d, err := diff.Get(config, oldDoc, newDoc)
	if err != nil {
		return nil, fmt.Errorf("compare %s with %s: %w", oldFile, newFile, err)
	}
	found := checker.CheckBackwardCompatibilityUntilLevel(checker.NewConfig(checker.GetAllChecks()), d, nil, checker.INFO)

	r := &Report{
		Old:     document(oldFile, oldDoc, oldCalls),
		New:     document(newFile, newDoc, newCalls),
		Changes: []Change{},
	}
	j := judge{old: oldCalls, new: newCalls, rules: rulesByID()}
	loc := checker.NewDefaultLocalizer()
	for _, c := range found {
		call, ok := j.callOf(c.GetOperation(), c.GetPath())
		if !ok {
			r.Elsewhere++
			continue
		}
		breaking, why := j.classify(call, c)
		r.Changes = append(r.Changes, Change{
			Call:      call.String(),
			Operation: c.GetOperation() + " " + c.GetPath(),
			Breaking:  breaking,
			Text:      c.GetUncolorizedText(loc),
			Why:       why,
			ID:        c.GetId(),
			Level:     c.GetLevel().String(),
		})
	}
	r.Changes = append(r.Changes, callsGone(oldCalls, newCalls, r.Changes)...)
	order := map[string]int{}
	for i, c := range openapi.APICalls() {
		order[c.String()] = i
	}
	slices.SortStableFunc(r.Changes, func(a, b Change) int {
		if a.Breaking != b.Breaking {
			if a.Breaking {
				return -1
			}
			return 1
		}
		return cmp.Compare(order[a.Call], order[b.Call])
	})
	return r, nil
}

// callsGone returns a breaking change for each call the old document describes and the new one
// does not, unless oasdiff already reported its operation removed: a call whose path no longer
// matches its shape (the vendor moved it below another root, say) is gone for conform even
// when oasdiff sees only a modified path.
func callsGone(oldCalls, newCalls map[export.Call]openapi.Operation, seen []Change) []Change {
	var out []Change
	for _, c := range openapi.APICalls() {
		op, had := oldCalls[c]
		if _, has := newCalls[c]; !had || has {
			continue
		}
		reported := slices.ContainsFunc(seen, func(ch Change) bool { return ch.Call == c.String() && ch.Breaking && removesOperation(ch.ID) })
		if reported {
			continue
		}
		out = append(out, Change{
			Call:      c.String(),
			Operation: op.Method + " " + op.Path,
			Breaking:  true,
			Text:      fmt.Sprintf("no operation describes the %s call any more (%s below the API root)", c, openapi.CallShape(c)),
			Why:       "conform calls it in every scenario of the contract",
			ID:        "conform-call-not-described",
			Level:     checker.ERR.String(),
		})
	}
	return out
}

// callPaths returns a regular expression that matches exactly the paths of the calls either
// document describes: oasdiff compares those alone, so that the cost of a comparison does not
// grow with the vendor's other paths, which are no part of the contract.
func callPaths(docs ...map[export.Call]openapi.Operation) string {
	var quoted []string
	for _, calls := range docs {
		for _, op := range calls {
			if q := regexp.QuoteMeta(op.Path); !slices.Contains(quoted, q) {
				quoted = append(quoted, q)
			}
		}
	}
	slices.Sort(quoted)
	return "^(?:" + strings.Join(quoted, "|") + ")$"
}

func document(file string, doc *openapi3.T, calls map[export.Call]openapi.Operation) Document {
	d := Document{File: file, Calls: map[string]string{}}
	if doc.Info != nil {
		d.Version = doc.Info.Version
	}
	for c, op := range calls {
		d.Calls[c.String()] = op.String()
	}
	return d
}
