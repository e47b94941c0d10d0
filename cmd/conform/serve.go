package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"golang.org/x/net/netutil"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/fakeserver"
)

const serveSynopsis = `conform serve [--addr HOST:PORT] [--table-duration D] [--cancel-delay D] [--start-delay D]
                [--fail-table NAME]... [--defect NAME]... [--variant NAME]... [--max-body BYTES]
                [--max-tables N] [--max-requests N] [--max-stored-tables N] [--log-format text|json]
                [--quiet]
  conform serve --list-defects
  conform serve --list-variants

Serves the bundled fake of the export-request API on the real clock, until SIGINT or SIGTERM.
With --defect it breaks the API's contract on purpose, in the ways --list-defects describes, so
that you can see a harness (conform run --base-url) catch it. With --variant it keeps the
contract and writes its answers in another legitimate form a server of the vendor's stack may
use (dates as dateTimeType objects, vendor media types, ...), as --list-variants describes, so
that you can see a harness accept it.

Limits, so that no client can exhaust the server: a create may name at most --max-tables tables
(more answers 400). The server holds at most --max-requests requests and --max-stored-tables
tables; a create that would hold more first evicts completed requests, the one that completed
longest ago first (its id then answers 404), and answers 429 with Retry-After when every request
held is still running.

Environment:
  CONFORM_USERNAME, CONFORM_PASSWORD  the accepted HTTP Basic credentials; set both, or neither
                                      to accept the default conform:conform`

// Environment variables that hold the credentials the served fake accepts. They are read from the
// environment only, never from flags, so the password stays out of shell history and ps.
const (
	envUsername = "CONFORM_USERNAME"
	envPassword = "CONFORM_PASSWORD"
)

// serveShutdownGrace is how long in-flight requests get to finish once a shutdown is asked for.
const serveShutdownGrace = 5 * time.Second

// errSlowShutdown is a server whose requests in flight did not finish within serveShutdownGrace:
// it was closed on them.
var errSlowShutdown = fmt.Errorf("requests in flight did not finish within %s", serveShutdownGrace)

// serveUntil listens on addr and serves srv (conform serve, conform proxy) until ctx ends, then
// shuts it down, giving the requests in flight serveShutdownGrace to finish. maxConns, when
// positive, bounds the connections open at once: a client beyond it waits to be accepted.
// announce is told the address it listens on.
func serveUntil(ctx context.Context, srv *http.Server, addr string, maxConns int, announce func(net.Addr)) error {
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", addr)
	if err != nil {
		return &configError{err: fmt.Errorf("cannot listen on %s: %w", addr, err)}
	}
	if maxConns > 0 {
		ln = netutil.LimitListener(ln, maxConns)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	announce(ln.Addr())
	select {
	case err := <-served:
		return fmt.Errorf("serve on %s: %w", addr, err)
	case <-ctx.Done():
	}
	// ctx is done; the grace period must not be.
	graceCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), serveShutdownGrace)
	defer cancel()
	if err := srv.Shutdown(graceCtx); err != nil {
		srv.Close()
		return fmt.Errorf("shut down: %w", errSlowShutdown)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve on %s: %w", addr, err)
	}
	return nil
}

// serveFlags are the parsed flags of `conform serve`.
type serveFlags struct {
	addr            string
	tableDuration   time.Duration
	cancelDelay     time.Duration
	startDelay      time.Duration
	failTables      []string
	defects         []fakeserver.Defect
	listDefects     bool
	variants        []fakeserver.Variant
	listVariants    bool
	maxBody         int64
	maxTables       int
	maxRequests     int
	maxStoredTables int
	logFormat       string
	quiet           bool
}

// parseServeFlags parses and checks the flags of `conform serve`.
func parseServeFlags(args []string, stdout io.Writer) (serveFlags, error) {
	var sf serveFlags
	fs := newFlagSet("serve")
	fs.StringVar(&sf.addr, "addr", "127.0.0.1:8080", "listen on this `HOST:PORT`; port 0 picks a free one (the URL printed says which)")
	fs.DurationVar(&sf.tableDuration, "table-duration", fakeserver.DefaultTableDuration, "how long each table of an export takes to process, tables one after another")
	fs.DurationVar(&sf.cancelDelay, "cancel-delay", fakeserver.DefaultCancelDelay, "how long a request stays cancelling before it is cancelled")
	fs.DurationVar(&sf.startDelay, "start-delay", 0, "how long a new request stays pending before it starts processing")
	fs.Func("fail-table", "a table whose export fails, so requests naming it end failed: `NAME`, exact, repeatable", func(s string) error {
		if strings.TrimSpace(s) == "" {
			return errors.New("want a table name, got an empty one")
		}
		sf.failTables = append(sf.failTables, s)
		return nil
	})
	fs.Func("defect", "inject the defect `NAME` (see --list-defects); repeatable", func(s string) error {
		d, err := fakeserver.ParseDefect(s)
		if err != nil {
			return err
		}
		if !slices.Contains(sf.defects, d) {
			sf.defects = append(sf.defects, d)
		}
		return nil
	})
	fs.BoolVar(&sf.listDefects, "list-defects", false, "describe every defect --defect can inject, and exit")
	fs.Func("variant", "write the answers in the legitimate form `NAME` (see --list-variants), which a harness must accept; repeatable", func(s string) error {
		v, err := fakeserver.ParseVariant(s)
		if err != nil {
			return err
		}
		if !slices.Contains(sf.variants, v) {
			sf.variants = append(sf.variants, v)
		}
		return nil
	})
	fs.BoolVar(&sf.listVariants, "list-variants", false, "describe every form --variant can write the answers in, and exit")
	fs.Int64Var(&sf.maxBody, "max-body", fakeserver.DefaultMaxBodyBytes, "the largest request body accepted, in `BYTES`; a larger create answers 400")
	fs.IntVar(&sf.maxTables, "max-tables", fakeserver.DefaultMaxTables, "the most tables one create may name (`N`); more answers 400")
	fs.IntVar(&sf.maxRequests, "max-requests", fakeserver.DefaultMaxRequests, "the most requests held (`N`); beyond, completed ones are evicted, oldest first, else 429")
	fs.IntVar(&sf.maxStoredTables, "max-stored-tables", fakeserver.DefaultMaxStoredTables, "the most tables of all requests held (`N`); beyond, as for --max-requests")
	fs.StringVar(&sf.logFormat, "log-format", "text", "the format of the request log on stderr: text or json")
	fs.BoolVar(&sf.quiet, "quiet", false, "do not log requests")
	if err := parseFlags(fs, serveSynopsis, args, stdout); err != nil {
		return sf, err
	}
	usage := printUsage(fs, serveSynopsis)
	// The fake reads a zero or negative duration as "use the default"; refuse them here so the
	// server never runs with other timings than the ones asked for.
	switch {
	case sf.tableDuration <= 0:
		return sf, &usageError{err: fmt.Errorf("--table-duration must be positive, got %s", sf.tableDuration), usage: usage}
	case sf.cancelDelay <= 0:
		return sf, &usageError{err: fmt.Errorf("--cancel-delay must be positive, got %s", sf.cancelDelay), usage: usage}
	case sf.startDelay < 0:
		return sf, &usageError{err: fmt.Errorf("--start-delay must not be negative, got %s", sf.startDelay), usage: usage}
	case sf.maxBody <= 0:
		return sf, &usageError{err: fmt.Errorf("--max-body must be positive, got %d", sf.maxBody), usage: usage}
	case sf.maxTables <= 0:
		return sf, &usageError{err: fmt.Errorf("--max-tables must be positive, got %d", sf.maxTables), usage: usage}
	case sf.maxRequests <= 0:
		return sf, &usageError{err: fmt.Errorf("--max-requests must be positive, got %d", sf.maxRequests), usage: usage}
	case sf.maxStoredTables <= 0:
		return sf, &usageError{err: fmt.Errorf("--max-stored-tables must be positive, got %d", sf.maxStoredTables), usage: usage}
	case sf.maxTables > sf.maxStoredTables && explicit(fs, "max-tables"):
		// The fake would lower --max-tables to fit; say so instead of serving other limits.
		return sf, &usageError{err: fmt.Errorf("--max-tables %d is more than --max-stored-tables %d: no such request could be held", sf.maxTables, sf.maxStoredTables), usage: usage}
	}
	// A small --max-stored-tables lowers the default --max-tables with it.
	sf.maxTables = min(sf.maxTables, sf.maxStoredTables)
	switch sf.logFormat {
	case "text", "json":
	default:
		return sf, &usageError{err: fmt.Errorf("--log-format must be text or json, got %q", sf.logFormat), usage: usage}
	}
	return sf, nil
}

// serveCommand is `conform serve`. Its environment is injected so tests never read the real one.
type serveCommand struct {
	getenv func(string) string
}

// credentials returns the Basic credentials the fake accepts, from the environment. Neither
// variable set means the fake's defaults, said on stderr; only one set is a configError.
func (c serveCommand) credentials(stderr io.Writer) (user, pass string, err error) {
	user, pass = c.getenv(envUsername), c.getenv(envPassword)
	switch {
	case user == "" && pass == "":
		fmt.Fprintf(stderr, "conform serve: no %s/%s set: accepting the default credentials %s:%s — fine for a local mock\n",
			envUsername, envPassword, fakeserver.DefaultUsername, fakeserver.DefaultPassword)
		return fakeserver.DefaultUsername, fakeserver.DefaultPassword, nil
	case pass == "":
		return "", "", &configError{err: fmt.Errorf("%s is set but %s is not: set both, or neither to accept the default credentials", envUsername, envPassword)}
	case user == "":
		return "", "", &configError{err: fmt.Errorf("%s is set but %s is not: set both, or neither to accept the default credentials", envPassword, envUsername)}
	}
	return user, pass, nil
}

// serveCmd is `conform serve` with the environment getenv reads.
func serveCmd(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	return serveCommand{getenv: getenv}.run(ctx, args, stdin, stdout, stderr)
}

func (c serveCommand) run(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	sf, err := parseServeFlags(args, stdout)
	if err != nil {
		return err
	}
	if sf.listDefects || sf.listVariants {
		if sf.listDefects {
			if err := listDefects(stdout); err != nil {
				return err
			}
		}
		if sf.listVariants {
			return listVariants(stdout)
		}
		return nil
	}
	user, pass, err := c.credentials(stderr)
	if err != nil {
		return err
	}
	var h slog.Handler = slog.NewTextHandler(stderr, nil)
	if sf.logFormat == "json" {
		h = slog.NewJSONHandler(stderr, nil)
	}
	log := slog.New(h)

	var handler http.Handler = fakeserver.New(fakeserver.Options{
		Clock:           fakeserver.RealClock(),
		StartDelay:      sf.startDelay,
		TableDuration:   sf.tableDuration,
		CancelDelay:     sf.cancelDelay,
		Username:        user,
		Password:        pass,
		FailTables:      sf.failTables,
		MaxBodyBytes:    sf.maxBody,
		MaxTables:       sf.maxTables,
		MaxRequests:     sf.maxRequests,
		MaxStoredTables: sf.maxStoredTables,
		Logger:          log,
		Defects:         sf.defects,
		Variants:        sf.variants,
	})
	if !sf.quiet {
		// Method and path only, never headers or the query: credentials cannot reach the log.
		handler = fakeserver.LogRequests(log, slog.LevelInfo, handler)
	}

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(h, slog.LevelWarn),
	}
	if len(sf.defects) > 0 {
		names := make([]string, len(sf.defects))
		for i, d := range sf.defects {
			names[i] = string(d)
		}
		fmt.Fprintf(stderr, "conform serve: injecting defects: %s\n", strings.Join(names, ", "))
	}
	if len(sf.variants) > 0 {
		names := make([]string, len(sf.variants))
		for i, v := range sf.variants {
			names[i] = string(v)
		}
		fmt.Fprintf(stderr, "conform serve: writing answers in the variants: %s\n", strings.Join(names, ", "))
	}
	err = serveUntil(ctx, srv, sf.addr, 0, func(addr net.Addr) {
		fmt.Fprintf(stdout, "conform serve: listening on http://%s%s\n", dialAddr(addr), export.Root)
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(stderr, "conform serve: shut down")
	return nil
}

// listDefects writes the defects the fake can inject, one a line: the name, then what it does.
func listDefects(stdout io.Writer) error {
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	for _, d := range fakeserver.Defects() {
		fmt.Fprintf(tw, "%s\t%s\n", d.Name, d.Description)
	}
	return tw.Flush()
}

// listVariants writes the variants the fake can write its answers in, one a line: the name,
// then what it writes otherwise.
func listVariants(stdout io.Writer) error {
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	for _, v := range fakeserver.Variants() {
		fmt.Fprintf(tw, "%s\t%s\n", v.Name, v.Description)
	}
	return tw.Flush()
}

// dialAddr is the host:port a client on this machine dials to reach a listener at a. A wildcard
// address (":8080", "0.0.0.0:8080") is not somewhere to connect to, so it becomes loopback.
func dialAddr(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	if tcp.IP == nil || tcp.IP.IsUnspecified() {
		return net.JoinHostPort("127.0.0.1", fmt.Sprint(tcp.Port))
	}
	return tcp.String()
}
