// Package audit is conform audit's engine: HAR files read in two passes, so that no more than a
// few entries are held at a time whatever the files' size, and every entry that calls the export
// API judged as conform run judges its own exchanges (judge.Auditor): against the spec and, per
// export request, in the order of the entries' startedDateTime across the files, against the
// invariants. Each violation is one line, as conform proxy logs it; the contract's coverage is
// counted; the judged exchanges are kept for the reports when asked. It does not import the
// steps: recorded traffic is judged without godog's glue.
package audit

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/internal/coverage"
	"github.com/conform-harness/conform/internal/credentials"
	"github.com/conform-harness/conform/internal/har"
	"github.com/conform-harness/conform/judge"
	"github.com/conform-harness/conform/openapi"
	"github.com/conform-harness/conform/oracle"
)

// Options configure an audit.
type Options struct {
	// Files are the HAR files, by path: regular files are read twice, anything else (a pipe)
	// read whole into memory first, up to har.MaxFileBytes.
	Files []string
	// Root is the API root (target.Root's form) whose entries are audited; "" means any http or
	// https URL whose path holds export.Root.
	Root string
	// MaxBody is the largest body judged, as conform run reads at most; an entry with a larger
	// one (decoded, for a compressed body) is counted, not judged. Required.
	MaxBody int64
	// Spec is the effective spec, for the coverage; Validator judges every entry against it.
	// Both required.
	Spec      *openapi3.T
	Validator *openapi.Validator
	// Redactor is the run's redactor: it redacts every violation line and the verdicts, and
	// each entry's own credentials are learnt, for that entry's evidence only, by one of its
	// exchange redactors (credentials.Redactor.ForExchange). Required.
	Redactor *credentials.Redactor
	// Keep keeps the judged exchanges, in time order, in Result.Exchanges: for the reports.
	Keep bool
	// Judged, when set, is handed each judged exchange as it is judged, in time order, with the
	// invariants its status document breaks (conform diff builds its profiles so, without
	// keeping the exchanges).
	Judged func(ex judge.Exchange, breaches []oracle.Breach)
	// Out receives each violation, one line, as it is found; Log the count of the entries
	// audited and of those left out, before any is judged.
	Out, Log io.Writer
}

// Result is what an audit found.
type Result struct {
	Exchanges  []judge.Exchange // with Options.Keep, in the order they happened
	Coverage   coverage.Report
	Violations int
}

// Run audits the files o names. Its errors are the input's: a file that cannot be read or is not
// HAR (a *har.Error names the entry), an entry that cannot be judged, or no entry to audit.
func Run(o Options) (Result, error) {
	files := make([]io.ReaderAt, len(o.Files))
	opts := har.Options{MaxBody: o.MaxBody} // a longer body is not decoded, nor even copied
	var keys []auditKey
	underRoot := inAPI(o.Root)
	total, outside, unanswered, tooLarge := 0, 0, 0, 0
	notDecoded := map[string]int{} // entries whose body is in a coding not decoded, by the reason
	// The first pass reads every file through, checks it, counts, and keeps of each entry to
	// judge only a key (its time and where it is); the second reads those entries again, in the
	// order of their startedDateTime across the files, and judges them.
	for fi, file := range o.Files {
		at, closeFile, err := openHAR(file)
		if err != nil {
			return Result{}, fmt.Errorf("%s: %w", file, err)
		}
		defer closeFile()
		files[fi] = at
		err = har.Scan(at, file, opts, func(p har.Place, e har.Entry) {
			total++
			switch {
			case !underRoot(e.URL):
				outside++
			case e.Status == 0:
				// Aborted or blocked by the client, or recorded before its answer came: nothing
				// the target said, so nothing to judge it by.
				unanswered++
			case e.Oversized || int64(len(e.RespBody)) > o.MaxBody || int64(len(e.ReqBody)) > o.MaxBody:
				// What conform run would refuse to read is not decoded here either.
				tooLarge++
			default:
				if _, err := decoded(e, o.MaxBody); err != nil {
					if errors.Is(err, har.ErrTooLarge) {
						tooLarge++ // a compressed body judged by its decoded size, as run reads it
					} else {
						notDecoded[err.Error()]++
					}
					break
				}
				keys = append(keys, auditKey{sec: e.Started.Unix(), nsec: int32(e.Started.Nanosecond()), file: int32(fi), index: int32(p.Index), length: int32(p.Length), offset: p.Offset})
			}
		})
		if err != nil {
			var he *har.Error
			if errors.As(err, &he) {
				return Result{}, err
			}
			return Result{}, fmt.Errorf("%s: %w", file, err)
		}
	}
	// The order of the traffic, whatever the order of the files: the oracle follows each
	// request through its documents as they were seen. Entries of one time keep the order of
	// the files and of the entries in them.
	slices.SortStableFunc(keys, compareAuditKeys)
	where := "under " + export.Root
	if o.Root != "" {
		where = "under " + o.Root
	}
	fmt.Fprintf(o.Log, "conform audit: %d of the %d entries in %s are calls of the export API %s; %d outside it ignored",
		len(keys)+unanswered+tooLarge+sumValues(notDecoded), total, strings.Join(o.Files, ", "), where, outside)
	if unanswered > 0 {
		fmt.Fprintf(o.Log, "; %d without a response (aborted, blocked or cut off) not judged", unanswered)
	}
	if tooLarge > 0 {
		fmt.Fprintf(o.Log, "; %d with a body over --max-response-bytes (%d) not judged", tooLarge, o.MaxBody)
	}
	for _, reason := range slices.Sorted(maps.Keys(notDecoded)) {
		fmt.Fprintf(o.Log, "; %d with a body %s, not judged", notDecoded[reason], reason)
	}
	fmt.Fprintln(o.Log)
	if len(keys) == 0 {
		return Result{}, fmt.Errorf("nothing to audit: no entry of %s is an answered call of the export API %s", strings.Join(o.Files, ", "), where)
	}

	// Each exchange is judged once, in time order; each violation is one line, as conform proxy
	// logs it.
	// One history of each export request: the oracle's, and coverage's through its watcher.
	collector, history := coverage.Following(o.Spec, 0)
	auditor := judge.NewTrackingAuditor(o.Validator.Redacting(o.Redactor.Bytes), history)
	var res Result
	err := verdicts(auditor, o.Redactor, files, o.Files, opts, keys, func(ex judge.Exchange, exRed *credentials.Redactor) {
		breaches := auditor.Follow(ex)
		problems := judge.LogLines(ex, breaches)
		for _, line := range problems {
			fmt.Fprintf(o.Out, "%s %s\n", ex.At.UTC().Format(time.RFC3339Nano), exRed.String(line))
		}
		res.Violations += len(problems)
		collector.Add(ex.Origin(), ex)
		if o.Keep {
			res.Exchanges = append(res.Exchanges, ex)
		}
		if o.Judged != nil {
			o.Judged(ex, breaches)
		}
	})
	if err != nil {
		return Result{}, err
	}
	res.Coverage = collector.Report()
	return res, nil
}

// inAPI returns whether a URL is a call under root, or, when root is "", any http or https URL
// whose path holds the API's root. root is parsed once, not per entry.
func inAPI(root string) func(rawURL string) bool {
	r, _ := url.Parse(root) // target.Root made it; "" parses to no host
	return func(rawURL string) bool {
		u, err := url.Parse(rawURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			return false // a WebSocket, data: or blob: entry of a browser's log
		}
		if root == "" {
			return strings.Contains(u.EscapedPath(), export.Root+"/")
		}
		return strings.EqualFold(u.Scheme, r.Scheme) && strings.EqualFold(u.Host, r.Host) &&
			strings.HasPrefix(u.EscapedPath(), r.EscapedPath()+"/")
	}
}

// openHAR opens the file at path for both passes of the audit: a regular file as it is, to be
// read twice; anything else (a pipe, <(zcat trace.har.gz)) read whole into memory first, up to
// har.MaxFileBytes, for it cannot be read again.
func openHAR(path string) (harFile, func(), error) {
	f, err := os.Open(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the caller names the file
		}
		return nil, nil, err
	}
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		return f, func() { f.Close() }, nil
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, har.MaxFileBytes+1))
	if err != nil {
		return nil, nil, err
	}
	return bytes.NewReader(b), func() {}, nil
}

// harFile is a HAR file open for both passes of the audit: har.Scan recognises both kinds
// (*os.File, *bytes.Reader) as files it can read again.
type harFile interface {
	io.Reader
	io.ReaderAt
}

// auditKey is what the audit keeps of an entry to judge between its two passes, 32 bytes:
// its startedDateTime, its file (an index into the files audited) and where it is in it.
type auditKey struct {
	sec         int64
	nsec        int32
	file, index int32
	length      int32
	offset      int64
}

func compareAuditKeys(a, b auditKey) int {
	return cmp.Or(cmp.Compare(a.sec, b.sec), cmp.Compare(a.nsec, b.nsec))
}

// batchBytes bounds the entries read again and judged at a time, by their length in the file;
// a batch holds one entry at least, however long.
const batchBytes = 4 << 20

// verdicts reads again the entries keys name (in files, named names), in the keys' order, and
// judges each against the spec (Auditor.Verdict) on as many goroutines as there are
// processors, a batch at a time, then hands the exchanges to judged in the keys' order, each
// with its redactor: red's secrets and the entry's own credentials
// (credentials.Redactor.LearnExchange), which redact that entry's evidence only.
func verdicts(a *judge.Auditor, red *credentials.Redactor, files []io.ReaderAt, names []string, opts har.Options, keys []auditKey, judged func(judge.Exchange, *credentials.Redactor)) error {
	workers := runtime.GOMAXPROCS(0)
	for len(keys) > 0 {
		n, size := 0, int64(0)
		for n < len(keys) && (n == 0 || size+int64(keys[n].length) <= batchBytes) {
			size += int64(keys[n].length)
			n++
		}
		batch := keys[:n]
		keys = keys[n:]
		out := make([]judge.Exchange, len(batch))
		reds := make([]*credentials.Redactor, len(batch))
		errs := make([]error, len(batch))
		var wg sync.WaitGroup
		for w := range min(workers, len(batch)) {
			wg.Go(func() {
				for i := w; i < len(batch); i += workers {
					k := batch[i]
					e, err := har.EntryAt(files[k.file], names[k.file], har.Place{Index: int(k.index), Offset: k.offset, Length: int64(k.length)}, opts)
					if err == nil {
						e, err = decoded(e, opts.MaxBody)
					}
					reds[i] = red.ForExchange()
					if err == nil {
						reds[i].LearnExchange(e.URL, e.ReqHeader, e.RespHeader)
						out[i], err = verdict(a, reds[i], e)
					}
					if err != nil {
						// The URL, and the parser's error that quotes it, may hold the entry's credentials.
						msg := fmt.Sprintf("entry %d of %s (%s %s): %v", k.index, names[k.file], e.Method, credentials.URL(e.URL), err)
						errs[i] = errors.New(reds[i].String(msg))
					}
				}
			})
		}
		wg.Wait()
		for i := range batch {
			if errs[i] != nil {
				return errs[i]
			}
			judged(out[i], reds[i])
		}
	}
	return nil
}

// verdict judges a HAR entry, one with a response, as the recording transport judges an exchange
// of a run. A tool that leaves a body's Content-Type header out of the file but says its media
// type (postData.mimeType, content.mimeType) has it put back: the header was sent.
func verdict(a *judge.Auditor, red *credentials.Redactor, e har.Entry) (judge.Exchange, error) {
	req, err := http.NewRequest(e.Method, e.URL, nil)
	if err != nil {
		return judge.Exchange{}, err
	}
	req.Header = withContentType(e.ReqHeader, e.ReqBody, e.ReqMimeType)
	if e.MalformedOnPurpose {
		req = judge.MalformedOnPurpose(req) // conform's own scenario, recorded with --record
	}
	header := withContentType(e.RespHeader, e.RespBody, e.RespMimeType)
	return a.VerdictRedacting(red, req, e.ReqBody, e.Status, header, e.RespBody, e.Started), nil
}

// decoded returns e with its bodies as the API sent them, before any content coding
// (har.Content): a still-compressed body is judged decoded, never as the compressed bytes. A
// body longer than limit once decoded is har.ErrTooLarge; one in a coding not decoded is a
// *har.NotDecodedError ("not decoded: br").
func decoded(e har.Entry, limit int64) (har.Entry, error) {
	var err error
	if e.RespBody, err = har.Content(e.RespHeader, e.RespBody, limit); err != nil {
		return e, err
	}
	if e.ReqBody, err = har.Content(e.ReqHeader, e.ReqBody, limit); err != nil {
		return e, err
	}
	return e, nil
}

func sumValues(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// withContentType returns h (a copy, never nil) with Content-Type set to mimeType when h has
// none, a body was recorded and mimeType is known.
func withContentType(h http.Header, body []byte, mimeType string) http.Header {
	h = h.Clone()
	if h == nil {
		h = http.Header{}
	}
	if h.Get("Content-Type") == "" && len(body) > 0 && mimeType != "" {
		h.Set("Content-Type", mimeType)
	}
	return h
}
