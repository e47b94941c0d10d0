package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/internal/coverage"
	"github.com/conform-harness/conform/internal/credentials"
	"github.com/conform-harness/conform/internal/proxy"
	"github.com/conform-harness/conform/internal/suite"
	"github.com/conform-harness/conform/internal/target"
	"github.com/conform-harness/conform/internal/transport"
	"github.com/conform-harness/conform/judge"
	"github.com/conform-harness/conform/openapi"
	"github.com/conform-harness/conform/steps"
)

const proxySynopsis = `conform proxy --target URL [--addr HOST:PORT] [--annotate] [--duration D] [--format NAME[:FILE]]... [--report FILE.html] [flags]

A validating reverse proxy in front of a target of the export API. It forwards every request
under the API root unchanged (any other path is answered 404 by the proxy, not forwarded) (the client's credentials pass through, and are never logged or stored in a report)
and hands the client the target's answer unchanged, while it judges every exchange as conform
run judges its own: against the spec, and for each export request against the invariants,
following the ids it sees in creates, status calls and cancels. Each violation is logged on one
line when it happens. On SIGINT or SIGTERM, or after --duration, it writes the reports asked for
(one test case per export request, with its exchanges and timeline) and exits 0 when it saw no
violation, 1 when it saw one, 3 when the target answered none of the requests forwarded to it,
whatever reports were asked for. A request that breaks the spec is the client's violation,
logged ("client: ...") and counted apart, and fails the proxy only with
--fail-on-client-violations. An answer not judged (too large, or in an encoding it cannot
decode) is logged and counted, and is no violation.

Bounds: a client has --read-timeout to send its request and --max-request-bytes for its body
(larger: 413), over at most --max-connections connections; an answer 101 Switching Protocols is
a violation and is not tunnelled (the client gets 502); at most --max-requests-followed export
requests are followed at once, completed ones forgotten first.`

// The defaults of --read-timeout and --max-connections: a client sends a create of a few hundred
// bytes in well under a second; a few hundred connections serve any integration's test traffic,
// and each costs at most --max-request-bytes and --max-response-bytes of buffers.
const (
	defaultProxyReadTimeout = 10 * time.Second
	defaultProxyMaxConns    = 256
)

// proxyFlags are the parsed flags of `conform proxy`.
type proxyFlags struct {
	target, addr string
	annotate     bool
	failOnClient bool
	duration     time.Duration
	spec         string
	overlays     stringList
	formats      []suite.Format
	report       string
	maxKept      int
	maxFollowed  int
	maxRequest   int64
	readTimeout  time.Duration
	maxConns     int
	coverage     coverageFlags
	live         liveFlags // the TLS, timeout and body-cap flags, as conform run takes them
}

func parseProxyFlags(args []string, stdout io.Writer) (proxyFlags, error) {
	var pf proxyFlags
	fs := newFlagSet("proxy")
	fs.StringVar(&pf.target, "target", "", "forward to this `URL`: a host (https://host) or a path before the API root (a gateway's); required")
	fs.StringVar(&pf.addr, "addr", "127.0.0.1:8081", "listen on this `HOST:PORT`; port 0 picks a free one (the URL printed says which)")
	fs.BoolVar(&pf.annotate, "annotate", false, "add a "+proxy.AnnotationHeader+" header, a JSON array of the violations, to every answer that has some")
	fs.BoolVar(&pf.failOnClient, "fail-on-client-violations", false, "exit 1 also when a client's request breaks the spec (or is no call of the API), not only when the target's answers do")
	fs.DurationVar(&pf.duration, "duration", 0, "stop after this long and write the reports (default: run until SIGINT or SIGTERM)")
	fs.StringVar(&pf.spec, "spec", "", "judge against this OpenAPI 3.0 or 3.1 document (`FILE`) instead of the embedded spec")
	fs.Var(&pf.overlays, "overlay", "apply this OpenAPI Overlay 1.0 `FILE` to the spec; repeatable")
	fs.Var(formatList{&pf.formats}, "format", "a report to write when the proxy stops: `NAME[:FILE]`, repeatable, as conform run takes it")
	fs.StringVar(&pf.report, "report", "", "also write the self-contained HTML report to `FILE.html` when the proxy stops")
	fs.IntVar(&pf.maxKept, "max-exchanges", proxy.DefaultMaxKept, "keep at most this many exchanges for the reports; later ones are judged and logged, not kept")
	fs.IntVar(&pf.maxFollowed, "max-requests-followed", judge.DefaultMaxFollowed, "follow at most this many export requests at once, for the invariants and coverage; beyond, completed ones are forgotten first, then those seen longest ago")
	fs.Int64Var(&pf.maxRequest, "max-request-bytes", proxy.DefaultMaxRequestBytes, "the largest request body a client may send, in `BYTES`; a larger one is answered 413, not forwarded")
	fs.DurationVar(&pf.readTimeout, "read-timeout", defaultProxyReadTimeout, "the longest a client may take to send a request, headers and body; a slower one is cut off")
	fs.IntVar(&pf.maxConns, "max-connections", defaultProxyMaxConns, "the most client connections open at once (`N`); a client beyond waits to be accepted")
	pf.coverage.register(fs)
	fs.DurationVar(&pf.live.requestTimeout, "request-timeout", 30*time.Second, "timeout of one forwarded request, body included")
	fs.StringVar(&pf.live.caFile, "ca-file", "", "`PEM` file of CA certificates trusted besides the system's")
	fs.BoolVar(&pf.live.insecure, "insecure-skip-verify", false, "do not verify the target's TLS certificate (prints a warning)")
	fs.Int64Var(&pf.live.maxResponseBytes, "max-response-bytes", transport.DefaultMaxResponseBytes, "the largest body judged; a larger one is forwarded whole, not judged")
	help := printUsage(fs, proxySynopsis)
	if err := parseFlagsUsing(fs, help, args, stdout); err != nil {
		return pf, err
	}
	fail := func(format string, a ...any) (proxyFlags, error) {
		return pf, &usageError{err: fmt.Errorf(format, a...), usage: help}
	}
	switch {
	case pf.target == "":
		return fail("--target is required: the URL of the export API to stand in front of")
	case pf.maxKept < 1:
		return fail("--max-exchanges must be at least 1, got %d", pf.maxKept)
	case pf.duration < 0:
		return fail("--duration must not be negative, got %s", pf.duration)
	case pf.live.requestTimeout <= 0:
		return fail("--request-timeout must be positive, got %s", pf.live.requestTimeout)
	case pf.live.maxResponseBytes < 1:
		return fail("--max-response-bytes must be at least 1, got %d", pf.live.maxResponseBytes)
	case pf.maxFollowed < 1:
		return fail("--max-requests-followed must be at least 1, got %d", pf.maxFollowed)
	case pf.maxRequest < 1:
		return fail("--max-request-bytes must be at least 1, got %d", pf.maxRequest)
	case pf.readTimeout <= 0:
		return fail("--read-timeout must be positive, got %s", pf.readTimeout)
	case pf.maxConns < 1:
		return fail("--max-connections must be at least 1, got %d", pf.maxConns)
	}
	if _, err := target.Root(pf.target); err != nil {
		return fail("%v", err)
	}
	if self, err := isSelf(pf.target, pf.addr); err != nil {
		return fail("--addr %q: %v", pf.addr, err)
	} else if self {
		return fail("--target %s is the proxy itself (--addr %s): every request would come back to it", pf.target, pf.addr)
	}
	return pf, nil
}

// isSelf reports whether the target URL names the address the proxy listens on: the same port,
// and a host that is the listening host or, for a loopback or wildcard listener, any loopback
// name (localhost, 127.0.0.1, [::1]) or, for a wildcard listener, an address of this machine.
func isSelf(targetURL, addr string) (bool, error) {
	lhost, lport, err := net.SplitHostPort(addr)
	if err != nil {
		return false, err
	}
	u, err := url.Parse(targetURL)
	if err != nil {
		return false, err
	}
	tport := u.Port()
	if tport == "" {
		tport = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	if tport != lport {
		return false, nil
	}
	thost := u.Hostname()
	if strings.EqualFold(thost, lhost) {
		return true, nil
	}
	local := func(h string) bool {
		if strings.EqualFold(h, "localhost") {
			return true
		}
		ip := net.ParseIP(h)
		return ip != nil && ip.IsLoopback()
	}
	lip := net.ParseIP(lhost)
	wildcard := lhost == "" || (lip != nil && lip.IsUnspecified())
	switch {
	case local(thost) && (local(lhost) || wildcard):
		return true, nil
	case wildcard:
		tip := net.ParseIP(thost)
		if tip == nil {
			return false, nil
		}
		if tip.IsUnspecified() {
			return true, nil
		}
		addrs, err := net.InterfaceAddrs()
		if err != nil {
			return false, nil // not cheap to tell: let it be
		}
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok && n.IP.Equal(tip) {
				return true, nil
			}
		}
	}
	return false, nil
}

// announceProxy says where the proxy listens, as it really does (a wildcard address stays one:
// 0.0.0.0 as asked, though Go listens on [::] for it), and warns on stderr when that is not
// loopback only: anyone who can reach the address can then send requests to the target through
// it.
func announceProxy(addr net.Addr, asked, root string, stdout, stderr io.Writer) {
	where := addr.String()
	tcp, ok := addr.(*net.TCPAddr)
	if ok && tcp.IP.IsUnspecified() {
		if host, _, err := net.SplitHostPort(asked); err == nil {
			if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
				where = net.JoinHostPort(host, fmt.Sprint(tcp.Port))
			}
		}
	}
	fmt.Fprintf(stdout, "conform proxy: listening on http://%s%s, forwarding to %s\n", where, export.Root, root)
	if ok && !tcp.IP.IsLoopback() {
		fmt.Fprintf(stderr, "conform proxy: warning: listening on %s, not a loopback address: anyone who can reach it can send requests to %s through the proxy\n", where, root)
	}
}

// proxyCmd is `conform proxy`.
func proxyCmd(ctx context.Context, args []string, _ func(string) string, _ io.Reader, stdout, stderr io.Writer) error {
	pf, err := parseProxyFlags(args, stdout)
	if err != nil {
		return err
	}
	// A report path that cannot be written is said now, not after a day of traffic.
	if err := checkOutputs(proxyOutputs(pf)); err != nil {
		return err
	}
	spec, validator, err := effectiveSpec(pf.spec, pf.overlays, nil)
	if err != nil {
		return err
	}
	root, _ := target.Root(pf.target) // checked by parseProxyFlags
	red := credentials.NewRedactor()
	// One history of each request followed, in one bound: the oracle's and coverage's.
	cov, history := coverage.Following(spec, pf.maxFollowed)
	p, closeIdle, err := newProxy(pf, root, validator, red, cov, history, stderr)
	if err != nil {
		return err
	}
	defer closeIdle()
	stopCtx, why, release := stopProxy(ctx, pf.duration)
	defer release()
	srv := proxy.NewServer(p, proxy.ServerOptions{ReadTimeout: pf.readTimeout, RequestTimeout: pf.live.requestTimeout, ErrorLog: stderr})
	err = serveUntil(stopCtx, srv, pf.addr, pf.maxConns, func(addr net.Addr) { announceProxy(addr, pf.addr, root, stdout, stderr) })
	switch {
	case errors.Is(err, errSlowShutdown):
		fmt.Fprintf(stderr, "conform proxy: %v\n", err) // what was judged is reported all the same
	case err != nil:
		return err
	}
	covered := cov.Report()
	fmt.Fprintf(stderr, "conform proxy: stopped by %s: %s\n", why(), proxySummary(covered, p.Violations(), p.ClientViolations(), p.Stats()))
	out := red.CredentialForms().Writer(stdout)
	defer out.Close()
	if err := writeProxyReports(p, pf, root, spec, covered, red, out, stderr); err != nil {
		return err
	}
	return proxyVerdict(p, pf, root, covered)
}

// newProxy returns the proxy pf asks for in front of root, its violations logged on stderr and
// every exchange counted by cov, and what closes its idle connections to the target.
func newProxy(pf proxyFlags, root string, validator *openapi.Validator, red *credentials.Redactor, cov *coverage.Collector, history *judge.Tracker, stderr io.Writer) (*proxy.Proxy, func(), error) {
	u, err := proxy.TargetURL(root)
	if err != nil {
		return nil, nil, &configError{err: err}
	}
	rt, err := transport.New(transport.Options{CAFile: pf.live.caFile, InsecureSkipVerify: pf.live.insecure,
		Timeout: pf.live.requestTimeout, MaxRetries: -1, MaxIdleConnsPerHost: 64, DisableCompression: true, Warn: stderr})
	if err != nil {
		return nil, nil, &configError{err: err}
	}
	p, err := proxy.New(proxy.Options{Target: u, Transport: rt, Validator: validator, MaxBodyBytes: pf.live.maxResponseBytes,
		Annotate: pf.annotate, Log: func(line string) { fmt.Fprintf(stderr, "conform proxy: %s\n", line) }, Redactor: red, MaxKept: pf.maxKept,
		Exchange: func(ex judge.Exchange) { cov.Add("", ex) }, MaxRequestBytes: pf.maxRequest, Tracker: history})
	if err != nil {
		transport.CloseIdle(rt)
		return nil, nil, &configError{err: err}
	}
	return p, func() { transport.CloseIdle(rt) }, nil
}

// stopProxy returns a context that ends at the first SIGINT or SIGTERM, at the end of duration
// (when above 0), or at the end of ctx; why says which. release stops listening for signals.
func stopProxy(ctx context.Context, duration time.Duration) (stopCtx context.Context, why func() string, release func()) {
	stopCtx, stopWith := context.WithCancelCause(ctx)
	stop := make(chan os.Signal, 1)
	unnotify := notifyStop(stop)
	var timeout <-chan time.Time
	var timer *time.Timer
	if duration > 0 {
		timer = time.NewTimer(duration)
		timeout = timer.C
	}
	go func() {
		select {
		case sig := <-stop:
			unnotify() // a second signal now ends the process at once
			stopWith(errors.New(steps.SignalName(sig)))
		case <-timeout:
			stopWith(errors.New("--duration " + duration.String()))
		case <-stopCtx.Done():
		}
	}()
	why = func() string {
		if cause := context.Cause(stopCtx); cause != nil && !errors.Is(cause, context.Canceled) {
			return cause.Error()
		}
		return "the end of its context"
	}
	return stopCtx, why, func() {
		if timer != nil {
			timer.Stop()
		}
		unnotify()
		stopWith(nil)
	}
}

// writeProxyReports says what the proxy's bounds left out, then writes the reports pf asks for
// of the exchanges p judged. One report that cannot be written must not cost the others: each
// is written, and every failure is said, as conform's own failure (exit 4), not the user's
// flags: they were checked at start.
func writeProxyReports(p *proxy.Proxy, pf proxyFlags, root string, spec *openapi3.T, covered coverage.Report, red *credentials.Redactor, out, stderr io.Writer) error {
	if _, n := p.Followed(); n > 0 {
		fmt.Fprintf(stderr, "conform proxy: %d export request(s) were no longer followed, to follow at most %d at once (--max-requests-followed); a later document of one was judged without its history\n", n, pf.maxFollowed)
	}
	if n := p.Dropped(); n > 0 {
		fmt.Fprintf(stderr, "conform proxy: %d exchange(s) after the first %d were judged and logged but are not in the reports (--max-exchanges)\n", n, pf.maxKept)
	}
	var lost []error
	if len(pf.formats) > 0 || pf.report != "" {
		// The reports show the verdict; they do not make it: the exit code is the same whether
		// they are asked for or not.
		title := "Traffic through conform proxy to " + root
		if _, err := suite.ReportTraffic(p.JudgedExchanges(), suite.TrafficReports{Title: title, Formats: pf.formats, Output: out, Redact: red.Bytes,
			ClientApart: !pf.failOnClient, Envelopes: htmlReport(pf.report, title, spec, &covered, red)}); err != nil {
			lost = append(lost, err)
		} else if pf.report != "" {
			fmt.Fprintf(stderr, "conform proxy: report written to %s\n", pf.report)
		}
	}
	if err := writeCoverage(covered, pf.coverage, stderr); err != nil {
		lost = append(lost, err)
	}
	if len(lost) > 0 {
		return fmt.Errorf("reports not written (the others were): %s", strings.ReplaceAll(errors.Join(lost...).Error(), "\n", "; "))
	}
	return nil
}

// proxyVerdict is the proxy's outcome, for its exit code: the target's violations, the clients'
// under --fail-on-client-violations, a target that answered nothing, then the coverage wanted.
func proxyVerdict(p *proxy.Proxy, pf proxyFlags, root string, covered coverage.Report) error {
	stats := p.Stats()
	switch {
	case p.Violations() > 0:
		return errNotConforming
	case pf.failOnClient && p.ClientViolations() > 0:
		return clientViolationsError(p.ClientViolations())
	case stats.Answered == 0 && stats.Unanswered > 0:
		return &target.Error{Kind: target.Unreachable, Err: fmt.Errorf("the target %s answered none of the %d request(s) forwarded to it", root, stats.Unanswered)}
	}
	return checkCoverage(covered, pf.coverage)
}

// proxySummary is trafficSummary (whose violations are the target's), the violations of the
// clients' requests, and what the proxy forwarded without a verdict: answers not
// judged, requests the target did not answer.
func proxySummary(c coverage.Report, violations, clientViolations int, s proxy.Stats) string {
	line := trafficSummary(c, violations)
	if clientViolations > 0 {
		line += fmt.Sprintf("; %d client violation(s): requests that break the spec, not the target's doing", clientViolations)
	}
	if s.NotJudged > 0 {
		line += fmt.Sprintf("; %d answer(s) not judged (a body over --max-response-bytes, or an encoding it cannot decode)", s.NotJudged)
	}
	if s.Refused > 0 {
		line += fmt.Sprintf("; %d request(s) outside %s answered 404 by the proxy, not forwarded", s.Refused, export.Root)
	}
	if s.Unanswered > 0 {
		line += fmt.Sprintf("; %d request(s) the target did not answer (502 to the client)", s.Unanswered)
	}
	if s.TooLarge > 0 {
		line += fmt.Sprintf("; %d request(s) with a body over --max-request-bytes answered 413, not forwarded", s.TooLarge)
	}
	if s.Unread > 0 {
		line += fmt.Sprintf("; %d request(s) whose body the client did not send within --read-timeout, or cut, answered 400, not forwarded", s.Unread)
	}
	return line
}

// clientViolationsError ends a proxy under --fail-on-client-violations whose clients' requests
// broke the spec: exit 1, as errNotConforming, in words that do not blame the target.
type clientViolationsError int

func (e clientViolationsError) Error() string {
	return fmt.Sprintf("the clients' requests broke the spec %d time(s) (--fail-on-client-violations)", int(e))
}

// Is makes it errNotConforming for exitCode.
func (clientViolationsError) Is(target error) bool { return target == errNotConforming }

// proxyOutputs are the files the proxy writes when it stops, by the flag that names each.
func proxyOutputs(pf proxyFlags) []output {
	var outs []output
	for _, f := range pf.formats {
		if f.Path != "" {
			outs = append(outs, output{"--format " + f.Name, f.Path})
		}
	}
	if pf.report != "" {
		outs = append(outs, output{"--report", pf.report})
	}
	if pf.coverage.file != "" {
		outs = append(outs, output{"--coverage", pf.coverage.file})
	}
	return outs
}
