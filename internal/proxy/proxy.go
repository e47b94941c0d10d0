// Package proxy is conform proxy's engine: a reverse proxy in front of a target of the export
// API that forwards every request under the API root unchanged (and answers any other path 404
// itself) and hands the client the target's answer unchanged,
// while it judges every exchange as conform run judges its own (the spec, and for each export
// request the oracle, following the ids it sees in creates, status calls and cancels), says each
// violation on one line when it happens, and keeps the exchanges for the reports.
//
// The forwarding is the standard library's httputil.ReverseProxy; the judging is its transport.
// The client's credentials pass through; they are never logged: the proxy learns those of each
// exchange (its credential headers, its URL's userinfo and tokens) as it forwards them, and
// redacts them in that exchange's log lines and evidence only (Exchange.Redact), so that a
// client's chosen token cannot mask text anywhere else. A redirect is handed to
// the client as the target answered it (and judged like any answer); nothing is followed.
package proxy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
	"path"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/internal/credentials"
	"github.com/conform-harness/conform/internal/transport"
	"github.com/conform-harness/conform/judge"
	"github.com/conform-harness/conform/openapi"
)

// AnnotationHeader is the response header --annotate adds: the violations of the exchange, as a
// JSON array of one-line strings, as Prism's sl-violations header does.
const AnnotationHeader = "Conform-Violations"

// Options configure a Proxy.
type Options struct {
	// Target is where requests go: its scheme and host, and a path prefix (a gateway's) put
	// before the request's path. Required.
	Target *url.URL
	// Transport sends the requests to the target (TLS, timeouts); nil means transport.New's
	// default with no retries: a proxy hides nothing.
	Transport http.RoundTripper
	// Validator judges every exchange; required.
	Validator *openapi.Validator
	// MaxBodyBytes caps the part of a body the proxy reads to judge it; a longer request or
	// answer is forwarded whole but not judged, and said so. 0 means
	// transport.DefaultMaxResponseBytes.
	MaxBodyBytes int64
	// Annotate adds AnnotationHeader to every answer that breaks the spec or an invariant.
	Annotate bool
	// Log receives one line per violation, as it happens, and one per answer not judged or
	// request not answered; nil discards them.
	Log logFunc
	// Redactor knows the run's own secrets, redacted in every log line and report; nil means a
	// new one. The credentials that pass through are never added to it: each exchange learns its
	// own (credentials.Redactor.ForExchange), redacted in that exchange's evidence only.
	Redactor *credentials.Redactor
	// Now tells the time of an exchange; nil means time.Now.
	Now func() time.Time
	// MaxKept bounds the exchanges kept for the reports (Exchanges); those beyond it are judged
	// and logged all the same, and counted (Dropped). 0 means DefaultMaxKept.
	MaxKept int
	// Exchange, when set, receives every judged exchange, kept or not, as it is answered: for
	// contract coverage.
	Exchange func(judge.Exchange)
	// MaxRequestBytes caps a request's body: one announced larger (Content-Length) is answered
	// 413 before any of it is read, one that turns out larger is answered 413 once that much was
	// read; neither is forwarded. A body within it is read whole before it is forwarded. 0 means
	// DefaultMaxRequestBytes.
	MaxRequestBytes int64
	// MaxFollowed bounds the export requests followed at once (judge.TrackerOptions.Max); 0 means
	// judge.DefaultMaxFollowed. Followed says how many were evicted.
	MaxFollowed int
	// Tracker, when set, is where the proxy follows the export requests, in place of one of its
	// own of MaxFollowed: the Tracker of coverage.Following, so that the oracle and coverage keep
	// one history of each request, within one bound (the Tracker's; MaxFollowed is then unused).
	Tracker *judge.Tracker
}

// DefaultMaxRequestBytes is the default of Options.MaxRequestBytes: a create names a few tables,
// a few hundred bytes; 1 MiB leaves room for any the spec allows.
const DefaultMaxRequestBytes = 1 << 20

// logFunc receives one line of the log.
type logFunc func(line string)

// DefaultMaxKept is the default of Options.MaxKept: with answers of a few KB, a few hundred MB.
const DefaultMaxKept = 100_000

// Proxy is the reverse proxy. It is an http.Handler, safe for concurrent use.
type Proxy struct {
	o       Options
	rp      *httputil.ReverseProxy // forwards; its transport is judge
	auditor *judge.Auditor

	mu         sync.Mutex // guards exchanges, dropped, violations and stats
	exchanges  []judge.Exchange
	dropped    int
	violations int
	// clientViolations counts the violations of the client's requests, apart: they are not the
	// target's.
	clientViolations int
	stats            Stats
}

// New returns a proxy for o. It fails when o names no target or no validator, or the default
// transport cannot be built.
func New(o Options) (*Proxy, error) {
	if o.Target == nil || o.Target.Host == "" {
		return nil, fmt.Errorf("proxy: no target")
	}
	if o.Validator == nil {
		return nil, fmt.Errorf("proxy: no validator")
	}
	if o.Redactor != nil {
		// The values a violation quotes are the target's: masked before they are cut short.
		o.Validator = o.Validator.Redacting(o.Redactor.Bytes)
	}
	if o.Transport == nil {
		rt, err := transport.New(transport.Options{MaxRetries: -1, MaxIdleConnsPerHost: 64, DisableCompression: true})
		if err != nil {
			return nil, err
		}
		o.Transport = rt
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = transport.DefaultMaxResponseBytes
	}
	if o.Redactor == nil {
		o.Redactor = credentials.NewRedactor()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxKept <= 0 {
		o.MaxKept = DefaultMaxKept
	}
	if o.MaxRequestBytes <= 0 {
		o.MaxRequestBytes = DefaultMaxRequestBytes
	}
	if o.MaxFollowed <= 0 {
		o.MaxFollowed = judge.DefaultMaxFollowed
	}
	if o.Tracker == nil {
		o.Tracker = judge.NewTracker(judge.TrackerOptions{Max: o.MaxFollowed})
	}
	p := &Proxy{o: o, auditor: judge.NewTrackingAuditor(o.Validator, o.Tracker)}
	// The standard library's reverse proxy does the forwarding (hop-by-hop headers, those that
	// Connection names, trailers, 100-continue); conform only judges, in its transport, which
	// sees every exchange whole. A transport never follows a redirect.
	p.rp = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(o.Target)
			// The request goes unchanged: the client's own forwarding headers pass, and the
			// proxy adds none.
			for _, name := range []string{"Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto"} {
				if v, ok := pr.In.Header[name]; ok {
					pr.Out.Header[name] = v
				}
			}
		},
		Transport:    roundTripper(p.judge),
		ErrorHandler: p.fail,
		ErrorLog:     log.New(io.Discard, "", 0),
		BufferPool:   &bufferPool{},
	}
	return p, nil
}

// Exchanges returns every exchange the proxy judged, in the order they were answered.
func (p *Proxy) Exchanges() []judge.Exchange {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]judge.Exchange(nil), p.exchanges...)
}

// Dropped returns how many exchanges were judged but not kept for the reports (Options.MaxKept).
func (p *Proxy) Dropped() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.dropped
}

// Violations returns how many violations (of the spec or of an invariant) the proxy has seen.
func (p *Proxy) Violations() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.violations
}

// ClientViolations returns how many violations of the spec the clients' requests made: a request
// the spec does not declare (OPTIONS, HEAD, an unknown path) or that breaks its declaration (a
// malformed create). They are the client's, not the target's, and Violations does not count them.
func (p *Proxy) ClientViolations() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.clientViolations
}

// ClientPrefix starts every log line about a violation of the client's request.
const ClientPrefix = "client: "

// verdict judges an exchange, and sets the violations of the request apart, as the client's: a
// line each, starting with ClientPrefix. The answer to such a request is still judged where the
// spec declares it (a 400 to a malformed create is the expected answer). ex keeps every
// violation, so that the reports show both.
func (p *Proxy) verdict(red *credentials.Redactor, req *http.Request, reqBody []byte, status int, header http.Header, body []byte, at time.Time) (ex judge.Exchange, target, client []string) {
	ex = p.auditor.VerdictRedacting(red, req, reqBody, status, header, body, at)
	all := ex.Violations
	var theirs []openapi.Violation
	for _, v := range all {
		if v.Where != "request" {
			theirs = append(theirs, v)
			continue
		}
		client = append(client, ClientPrefix+judge.Problem{Violation: &v}.LogLine(ex))
	}
	ex.Violations = theirs
	target = p.auditor.Problems(ex)
	ex.Violations = all
	return ex, target, client
}

// printable drops the control characters of a line of the log: it stays one line.
func printable(r rune) rune {
	if unicode.IsControl(r) {
		return -1
	}
	return r
}

// Redactor is the redactor of the run's own secrets; the credentials that passed through are
// each exchange's (judge.Exchange.Redact), not its.
func (p *Proxy) Redactor() *credentials.Redactor { return p.o.Redactor }

// exchangeRedactor is the context key of the redactor of one exchange.
type exchangeRedactor struct{}

// redactorOf returns the redactor of the exchange of ctx: the run's secrets and that exchange's
// credentials.
func (p *Proxy) redactorOf(ctx context.Context) *credentials.Redactor {
	if red, ok := ctx.Value(exchangeRedactor{}).(*credentials.Redactor); ok {
		return red
	}
	return p.o.Redactor
}

// ServeHTTP forwards a request under the API root (export.Root) to the target, and answers any
// other path 404 itself: the proxy stands in front of the export API, not of everything the
// target serves. Those requests are counted (Stats.Refused), and their credentials never leave.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !underRoot(r.URL.Path) {
		p.mu.Lock()
		p.stats.Refused++
		p.mu.Unlock()
		http.Error(w, "conform proxy: only the export API under "+export.Root+" is forwarded", http.StatusNotFound)
		return
	}
	// The client's credentials are this exchange's: learnt for its evidence, never for the
	// run's, so that they cannot redact what another client's exchange shows.
	red := p.o.Redactor.ForExchange()
	red.LearnExchange(r.URL.String(), r.Header, nil)
	r = r.WithContext(context.WithValue(r.Context(), exchangeRedactor{}, red))
	if r.ContentLength > p.o.MaxRequestBytes {
		// Announced too large: refused before a byte of it is read.
		p.tooLarge(w, r)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, p.o.MaxRequestBytes)
	p.rp.ServeHTTP(w, r)
}

// tooLarge answers 413 to a request whose body is over MaxRequestBytes, and counts and logs it:
// the client's mistake, not forwarded.
func (p *Proxy) tooLarge(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.stats.TooLarge++
	p.mu.Unlock()
	p.o.Log.say(p.redactorOf(r.Context()), fmt.Sprintf("%s%s %s: the request body is larger than %d bytes (--max-request-bytes): answered 413, not forwarded",
		ClientPrefix, r.Method, r.URL.EscapedPath(), p.o.MaxRequestBytes))
	http.Error(w, fmt.Sprintf("conform proxy: the request body is larger than %d bytes", p.o.MaxRequestBytes), http.StatusRequestEntityTooLarge)
}

// Followed returns how many export requests the proxy follows now, and how many it stopped
// following to stay within Options.MaxFollowed: a later document of one of those was judged
// without its history.
func (p *Proxy) Followed() (followed, evicted int) { return p.auditor.Followed() }

// underRoot reports whether the path p is the API root or below it, as sent and once its dot
// segments are resolved: /logisticsRestApi/data/v1/../../admin is not, whatever the target
// makes of it.
func underRoot(p string) bool {
	in := func(p string) bool { return p == export.Root || strings.HasPrefix(p, export.Root+"/") }
	return in(p) && in(path.Clean(p))
}

// roundTripper is a function as an http.RoundTripper.
type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// errRequestBody marks a request body the client could not send (in time, or at all): the
// client's fault, not the target's.
var errRequestBody = errors.New("cannot read the request")

// UpgradeError is what a client gets (502) when the target answered 101 Switching Protocols:
// the export API declares no upgrade, so the proxy judges the answer, a violation, and tunnels
// nothing.
type UpgradeError struct{ Protocol string }

func (e *UpgradeError) Error() string {
	return fmt.Sprintf("the target switched protocols (101, Upgrade: %q), which the export API does not declare: not tunnelled", e.Protocol)
}

// judge sends out to the target and judges the exchange. The request's body is read whole
// first (ServeHTTP caps it at MaxRequestBytes); the answer's up to MaxBodyBytes, and handed on
// whole. A body over MaxBodyBytes is forwarded but not judged, and said so.
func (p *Proxy) judge(out *http.Request) (*http.Response, error) {
	red := p.redactorOf(out.Context())
	shownURL := credentials.URL(out.URL.String())
	reqBody, reqRest, err := p.readRequest(out)
	if err != nil {
		return nil, err
	}
	at := p.o.Now()
	resp, err := p.o.Transport.RoundTrip(out)
	if err != nil && out.Context().Err() != nil {
		return nil, err // the client left: nobody waits for an answer, and the target is not at fault
	}
	if err != nil {
		err = &UnansweredError{Err: err}
		p.o.Log.say(red, fmt.Sprintf("%s %s: %v", out.Method, out.URL.EscapedPath(), err))
		p.record(judge.Exchange{At: at, Method: out.Method, URL: shownURL, ReqHeader: out.Header, ReqBody: reqBody, Err: err, Redact: red.Bytes}, nil, outcomeUnanswered)
		return nil, err
	}
	red.LearnExchange("", nil, resp.Header) // a session the target sets (Set-Cookie) is this exchange's too
	if resp.StatusCode == http.StatusSwitchingProtocols {
		return nil, p.upgrade(red, out, reqBody, resp, at)
	}
	body, rest, err := readCapped(resp.Body, p.o.MaxBodyBytes)
	var ex judge.Exchange
	var problems, clientProblems []string
	outcome := outcomeJudged
	switch {
	case err != nil:
		ex = judge.Exchange{At: at, Method: out.Method, URL: shownURL, ReqHeader: out.Header, ReqBody: reqBody,
			Status: resp.StatusCode, RespHeader: resp.Header, Err: err, Redact: red.Bytes}
		// A read that fails (a timeout, a cut connection) is the target's: a violation, logged.
		problems = []string{fmt.Sprintf("%s %s: the answer could not be read: %v", out.Method, out.URL.EscapedPath(), err)}
		p.log(red, problems)
		rest = failingReader{err} // the client gets what came, then the cut, as from the target
	case rest != http.NoBody || reqRest != http.NoBody:
		outcome = outcomeNotJudged
		ex = judge.Exchange{At: at, Method: out.Method, URL: shownURL, ReqHeader: out.Header,
			Status: resp.StatusCode, RespHeader: resp.Header, Err: &NotJudgedError{Reason: fmt.Errorf("a body is larger than %d bytes", p.o.MaxBodyBytes)}, Redact: red.Bytes}
	default:
		judged, header, derr := decodeBody(resp.Header, body, p.o.MaxBodyBytes)
		if derr != nil {
			outcome = outcomeNotJudged
			ex = judge.Exchange{At: at, Method: out.Method, URL: shownURL, ReqHeader: out.Header,
				Status: resp.StatusCode, RespHeader: resp.Header, Err: &NotJudgedError{Reason: derr}, Redact: red.Bytes}
			break
		}
		ex, problems, clientProblems = p.verdict(red, out, reqBody, resp.StatusCode, header, judged, at)
		p.log(red, clientProblems)
		p.log(red, problems)
	}
	if outcome == outcomeNotJudged {
		p.o.Log.say(red, fmt.Sprintf("%s %s: %v", out.Method, out.URL.EscapedPath(), ex.Err))
	}
	p.record(ex, problems, outcome)
	if len(clientProblems) > 0 {
		p.mu.Lock()
		p.clientViolations += len(clientProblems)
		p.mu.Unlock()
	}
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(body), rest), resp.Body}
	if p.o.Annotate {
		// The header is conform's word: one the target sent under that name must not pass for it.
		resp.Header.Del(AnnotationHeader)
		if all := append(clientProblems, problems...); len(all) > 0 {
			resp.Header.Set(AnnotationHeader, annotation(redactAll(red, all)))
		}
	}
	return resp, nil
}

// readRequest reads the body of out whole, within MaxRequestBytes, and puts it back to be
// forwarded. head is the part judged, up to MaxBodyBytes; rest is http.NoBody unless the body is
// longer. A body over MaxRequestBytes is errRequestTooLarge; one the client did not send in time (the
// server's ReadTimeout) or cut is errRequestBody: both are counted and logged, and not forwarded.
func (p *Proxy) readRequest(out *http.Request) (head []byte, rest io.Reader, err error) {
	if out.Body == nil || out.Body == http.NoBody {
		return nil, http.NoBody, nil
	}
	all, err := io.ReadAll(out.Body)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, nil, errRequestTooLarge
		}
		p.mu.Lock()
		p.stats.Unread++
		p.mu.Unlock()
		p.o.Log.say(p.redactorOf(out.Context()), fmt.Sprintf("%s%s %s: the request body could not be read (sent too slowly, or cut): %v: answered 400, not forwarded",
			ClientPrefix, out.Method, out.URL.EscapedPath(), err))
		return nil, nil, fmt.Errorf("%w: %w", errRequestBody, err)
	}
	out.Body = io.NopCloser(bytes.NewReader(all))
	if int64(len(all)) > p.o.MaxBodyBytes {
		return all[:p.o.MaxBodyBytes], bytes.NewReader(all[p.o.MaxBodyBytes:]), nil
	}
	return all, http.NoBody, nil
}

// errRequestTooLarge is a request body over MaxRequestBytes, found as it was read.
var errRequestTooLarge = errors.New("the request body is too large")

// upgrade judges an answer 101 Switching Protocols: the export API declares none, so it is a
// violation of the target's, logged and counted like any; the connection it switched is closed
// at once, and the client gets 502 (UpgradeError).
func (p *Proxy) upgrade(red *credentials.Redactor, out *http.Request, reqBody []byte, resp *http.Response, at time.Time) error {
	resp.Body.Close() // the switched connection: nothing is read from it, nothing tunnelled
	uerr := &UpgradeError{Protocol: resp.Header.Get("Upgrade")}
	ex, problems, clientProblems := p.verdict(red, out, reqBody, resp.StatusCode, resp.Header, nil, at)
	// The spec's verdict already names the undeclared status; when a spec's "default" declares
	// it, the proxy still says why nothing was tunnelled.
	problems = append(problems, fmt.Sprintf("%s %s: %v", out.Method, out.URL.EscapedPath(), strings.Map(printable, uerr.Error())))
	p.log(red, clientProblems)
	p.log(red, problems)
	p.record(ex, problems, outcomeJudged)
	if len(clientProblems) > 0 {
		p.mu.Lock()
		p.clientViolations += len(clientProblems)
		p.mu.Unlock()
	}
	return uerr
}

// fail answers the client when the exchange could not be made: 400 for a request the client
// could not send, 413 for one too large, 502 for a target that did not answer or switched
// protocols.
func (p *Proxy) fail(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, errRequestTooLarge) {
		p.tooLarge(w, r)
		return
	}
	if errors.Is(err, errRequestBody) {
		http.Error(w, "conform proxy: "+err.Error(), http.StatusBadRequest)
		return
	}
	http.Error(w, "conform proxy: "+p.redactorOf(r.Context()).String(err.Error()), http.StatusBadGateway)
}

// bufferPool lends the reverse proxy its copy buffers, which it would otherwise allocate, 32 KB
// a response.
type bufferPool struct{ p sync.Pool }

func (b *bufferPool) Get() []byte {
	if buf, ok := b.p.Get().(*[]byte); ok {
		return *buf
	}
	return make([]byte, 32<<10)
}

func (b *bufferPool) Put(buf []byte) { b.p.Put(&buf) }

// failingReader fails every read with err.
type failingReader struct{ err error }

func (f failingReader) Read([]byte) (int, error) { return 0, f.err }

// log logs each violation of an exchange on one line, redacted by the exchange's redactor.
func (p *Proxy) log(red *credentials.Redactor, problems []string) {
	for _, line := range problems {
		p.o.Log.say(red, line)
	}
}

// say logs line, redacted, when there is a log.
func (l logFunc) say(red *credentials.Redactor, line string) {
	if l != nil {
		l(red.String(line))
	}
}

// outcome is what became of an exchange.
type outcome int

const (
	outcomeJudged     outcome = iota // answered and judged
	outcomeNotJudged                 // answered, forwarded, not judged (NotJudgedError)
	outcomeUnanswered                // the target did not answer (UnansweredError)
)

// record keeps ex for the reports, while there is room, and counts it and its violations.
func (p *Proxy) record(ex judge.Exchange, problems []string, o outcome) {
	if p.o.Exchange != nil {
		p.o.Exchange(ex)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.exchanges) < p.o.MaxKept {
		p.exchanges = append(p.exchanges, ex)
	} else {
		p.dropped++
	}
	switch o {
	case outcomeUnanswered:
		p.stats.Unanswered++
	case outcomeNotJudged:
		p.stats.Answered++
		p.stats.NotJudged++
	default:
		p.stats.Answered++
	}
	p.violations += len(problems)
}

// NotJudgedError is the Err of an exchange the proxy forwarded but did not judge: a body larger
// than MaxBodyBytes (as sent, or once decoded), or in an encoding it cannot decode. It is no
// violation: the proxy cannot tell.
type NotJudgedError struct{ Reason error }

func (e *NotJudgedError) Error() string { return e.Reason.Error() + ": not judged" }
func (e *NotJudgedError) Unwrap() error { return e.Reason }

// UnansweredError is the Err of an exchange the target did not answer (the client got 502).
type UnansweredError struct{ Err error }

func (e *UnansweredError) Error() string { return "the target did not answer: " + e.Err.Error() }
func (e *UnansweredError) Unwrap() error { return e.Err }

// Judged reports whether ex was answered and judged: an exchange not judged, or not answered,
// has nothing to show in a report of conformance (Stats counts them).
func Judged(ex judge.Exchange) bool {
	var nj *NotJudgedError
	var un *UnansweredError
	return !errors.As(ex.Err, &nj) && !errors.As(ex.Err, &un)
}

// Stats counts what became of the requests a proxy forwarded.
type Stats struct {
	Answered   int // requests the target answered, judged or not
	NotJudged  int // answers forwarded but not judged (NotJudgedError)
	Unanswered int // requests the target did not answer: the client got 502
	Refused    int // requests outside the API root, answered 404 by the proxy, never forwarded
	TooLarge   int // requests whose body is over Options.MaxRequestBytes: 413, never forwarded
	Unread     int // requests whose body the client did not send in time, or cut: 400, never forwarded
}

// Stats returns what became of the requests forwarded so far.
func (p *Proxy) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stats
}

// readCapped reads up to max bytes of r; rest is what is left (http.NoBody when r ended).
func readCapped(r io.Reader, max int64) (head []byte, rest io.Reader, err error) {
	if r == nil || r == http.NoBody {
		return nil, http.NoBody, nil
	}
	head, err = io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, http.NoBody, err
	}
	if int64(len(head)) <= max {
		return head, http.NoBody, nil
	}
	return head, r, nil
}

// maxAnnotationBytes bounds the annotation header: clients and proxies refuse headers much
// larger than 8 KB, and a broken answer may have hundreds of violations.
const maxAnnotationBytes = 4 << 10

// annotation returns problems as a JSON array of at most maxAnnotationBytes; when they do not all
// fit, the last element says how many were left out.
func annotation(problems []string) string {
	for n := len(problems); n > 0; n-- {
		list := problems[:n]
		if n < len(problems) {
			list = append(slices.Clone(list), fmt.Sprintf("… and %d more (see the proxy's log)", len(problems)-n))
		}
		if b, err := json.Marshal(list); err == nil && len(b) <= maxAnnotationBytes {
			return string(b)
		}
	}
	b, _ := json.Marshal([]string{fmt.Sprintf("%d violations (see the proxy's log)", len(problems))})
	return string(b)
}

func redactAll(red *credentials.Redactor, lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = red.String(l)
	}
	return out
}
