package fakeserver

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"path"
	"time"

	"github.com/conform-harness/conform/export"
)

// Defaults of Options.
const (
	DefaultTableDuration         = 2 * time.Second
	DefaultCancelDelay           = time.Second
	DefaultUsername              = "conform"
	DefaultPassword              = "conform"
	DefaultMaxBodyBytes    int64 = 1 << 20
	DefaultMaxTables             = 1000
	DefaultMaxRequests           = 200_000
	DefaultMaxStoredTables       = 1_000_000
)

// realm is the Basic realm of the WWW-Authenticate challenge.
const realm = "logisticsRestApi"

// Options configure a Server. The zero value is a working fake on the real clock.
type Options struct {
	// Clock tells the time; nil means RealClock().
	Clock Clock
	// StartDelay is the time from a create to its start (pending → processing); 0 or less
	// starts at once, so a create answers processing.
	StartDelay time.Duration
	// TableDuration is the time each table takes to process, tables one after another; 0 or
	// less means DefaultTableDuration.
	TableDuration time.Duration
	// CancelDelay is the time from a cancel (cancelling) to cancelled; 0 or less means
	// DefaultCancelDelay. A read at the instant of the cancel always shows cancelling.
	CancelDelay time.Duration
	// Username and Password are the accepted HTTP Basic credentials; both empty means
	// DefaultUsername and DefaultPassword.
	Username, Password string
	// FailTables names tables (exact, case-sensitive) whose items end failed instead of
	// succeeded in created requests; such a request ends failed.
	FailTables []string
	// MaxBodyBytes caps request bodies; 0 or less means DefaultMaxBodyBytes. A larger create
	// body answers 400 with a detail saying so.
	MaxBodyBytes int64
	// MaxTables is the most tables one request may name; 0 or less means DefaultMaxTables, and
	// more than MaxStoredTables means MaxStoredTables, since no larger request could be held. A
	// create naming more answers 400 with a detail giving the limit and the count; a Put of such
	// a seed fails with CodeInvalidSeed. The default, 1000, is far more than a real export names
	// (a few tables to a few dozen), and it keeps the status document of the largest request
	// under 580 KB, with every table succeeded and every name MaxTableNameBytes long (340 KB
	// with names of 20 bytes; TestLargestStatusDocument); before the limit, one request of the
	// 52,427 tables a 1 MB body can name answered 4.5 MB per poll.
	MaxTables int
	// MaxRequests is the most requests, created or put, the server holds; 0 or less means
	// DefaultMaxRequests, twice the 100,000 that BENCHMARKS.md measures (its runs overshoot to
	// 117,000). A create (or Put) that would hold more first evicts completed requests, the one
	// that completed longest ago first, after which its id answers 404: a completed request
	// never changes again, and that one is the one its client has had the longest to read. When
	// every request held is still running, the create answers 429 Too Many Requests with an
	// error document and a Retry-After of the seconds until the next of them completes (at
	// least 1), and a Put fails with CodeTooManyRequests.
	MaxRequests int
	// MaxStoredTables is the most tables all the requests held may name together; 0 or less
	// means DefaultMaxStoredTables. A create that would hold more evicts and refuses as for
	// MaxRequests. It bounds memory where MaxRequests and MaxTables alone would not: a running
	// request keeps every table in full, and 200,000 running requests of 1000 tables would need
	// tens of gigabytes. The default, a million, holds 100,000 requests of the six tables
	// `conform load` creates with room to spare, or 1000 requests of MaxTables. The worst case
	// at the defaults, 200,000 running requests naming a million tables between them, every name
	// different and MaxTableNameBytes long, is 398 MB of live heap (TestHeapAtTheLimits; the
	// test process peaked at 620 MB of RSS); with names repeated across requests, as a load
	// sends them, it is about 200 MB.
	MaxStoredTables int
	// Logger receives a Debug record per request and an Error record per internal error; nil
	// discards.
	Logger *slog.Logger
	// Defects are the ways the fake breaks the API's contract on purpose, to show that a
	// harness catches them; none means a correct fake. They apply to created and put requests
	// alike. New panics on a Defect that Defects does not list: take them from the constants
	// or from ParseDefect.
	Defects []Defect
	// Variants are legitimate forms the fake writes its answers in, as a server of the vendor's
	// stack may where the use-case page is silent (dates as dateTimeType objects, vendor media
	// types, the vendor's error documents; see Variants); none means the plain fake. They
	// change how answers are written, never what they say: a harness must pass against a fake
	// with variants as against the plain one. With defects too, the variants write the
	// defects' answers their way. New panics on a Variant that Variants does not list: take
	// them from the constants or from ParseVariant.
	Variants []Variant
}

// Server is the fake API. It is an http.Handler and safe for concurrent use.
type Server struct {
	log          *slog.Logger
	store        *store
	maxBodyBytes int64
	userHash     [sha256.Size]byte
	passHash     [sha256.Size]byte
	headerHash   [sha256.Size]byte // of the Authorization header a client normally sends
	mux          *http.ServeMux
	patterns     map[string]bool // the patterns of routes(), to tell a routed request from a 404/405
	refused      http.Handler    // answers a call without the credentials
	unrouted     http.Handler    // answers a call no route takes
	handler      http.Handler    // the whole front: the request log around serve
}

// New returns a Server configured by opts; see Options for the defaults. It panics on an
// unknown defect in opts.Defects or an unknown variant in opts.Variants.
func New(opts Options) *Server {
	if opts.Clock == nil {
		opts.Clock = RealClock()
	}
	// The defects' effects, then the variants': a defect breaks the plain answer, and a variant
	// writes whatever came out in its own way.
	var modes effectSet
	defectDescriptions.add(&modes, opts.Defects, opts.Clock)
	variantDescriptions.add(&modes, opts.Variants, opts.Clock)
	if opts.TableDuration <= 0 {
		opts.TableDuration = DefaultTableDuration
	}
	if opts.CancelDelay <= 0 {
		opts.CancelDelay = DefaultCancelDelay
	}
	if opts.StartDelay < 0 {
		opts.StartDelay = 0
	}
	if opts.Username == "" && opts.Password == "" {
		opts.Username, opts.Password = DefaultUsername, DefaultPassword
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.MaxRequests <= 0 {
		opts.MaxRequests = DefaultMaxRequests
	}
	if opts.MaxStoredTables <= 0 {
		opts.MaxStoredTables = DefaultMaxStoredTables
	}
	if opts.MaxTables <= 0 {
		opts.MaxTables = DefaultMaxTables
	}
	opts.MaxTables = min(opts.MaxTables, opts.MaxStoredTables)
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	fail := make(map[string]bool, len(opts.FailTables))
	for _, t := range opts.FailTables {
		fail[t] = true
	}
	s := &Server{
		log: opts.Logger,
		store: newStore(opts.Clock, schedule{
			startDelay:    opts.StartDelay,
			tableDuration: opts.TableDuration,
			cancelDelay:   opts.CancelDelay,
		}, fail),
		maxBodyBytes: opts.MaxBodyBytes,
		userHash:     sha256.Sum256([]byte(opts.Username)),
		passHash:     sha256.Sum256([]byte(opts.Password)),
		headerHash:   sha256.Sum256([]byte(basicHeader(opts.Username, opts.Password))),
		mux:          http.NewServeMux(),
		patterns:     map[string]bool{},
	}
	s.store.hooks = modes.hooks
	s.store.limits = limits{perRequest: opts.MaxTables, requests: opts.MaxRequests, tables: opts.MaxStoredTables}
	// Every handler is decorated, or left bare when no defect garbles an answer and no variant
	// writes one otherwise.
	d := modes.decorator(s)
	for _, rt := range s.routes() {
		s.mux.Handle(rt.pattern, d.wrap(rt.call, rt.handler))
		s.patterns[rt.pattern] = true
	}
	s.refused = d.wrap(callRefused, http.HandlerFunc(s.handleRefused))
	s.unrouted = d.wrap(callUnrouted, http.HandlerFunc(s.handleUnrouted))
	s.handler = LogRequests(s.log, slog.LevelDebug, http.HandlerFunc(s.serve))
	return s
}

// ServeHTTP answers one call of the API. Every call needs the configured Basic credentials (401
// otherwise); an unknown path answers 404 and a known path with the wrong method 405 with Allow,
// both with an error document. Each request is logged at Debug.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
}

// serve hands a call to the handler that answers it: the refusal without credentials, the route
// that takes it, or the answer to a call no route takes.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(r) {
		s.refused.ServeHTTP(w, r)
		return
	}
	if _, pattern := s.mux.Handler(r); !s.patterns[pattern] || !isClean(r) {
		s.unrouted.ServeHTTP(w, r)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// isClean reports whether the request path is already clean. ServeMux would redirect an unclean
// one ("//", "/./", "/..") to its cleaned form; the vendor's API has no such paths, and an id of
// ".." must be a 404 like any other odd id.
func isClean(r *http.Request) bool {
	p := r.URL.EscapedPath()
	return p == path.Clean(p)
}

// authorized compares the request's Basic credentials with the configured ones in constant
// time; hashing first hides the lengths too. The header a client normally sends is recognised
// whole, with one hash; any other form of it (another case of "Basic", other padding) is
// decoded and compared by parts.
func (s *Server) authorized(r *http.Request) bool {
	h := sha256.Sum256([]byte(r.Header.Get("Authorization")))
	if subtle.ConstantTimeCompare(h[:], s.headerHash[:]) == 1 {
		return true
	}
	user, pass, ok := r.BasicAuth()
	if !ok {
		return false
	}
	u := sha256.Sum256([]byte(user))
	p := sha256.Sum256([]byte(pass))
	return subtle.ConstantTimeCompare(u[:], s.userHash[:])&subtle.ConstantTimeCompare(p[:], s.passHash[:]) == 1
}

// basicHeader is the Authorization header of HTTP Basic credentials, as net/http's
// Request.SetBasicAuth writes it.
func basicHeader(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

// Put stores an export request exactly as seed describes it and returns its id. The request
// stays as seeded until it is cancelled; a cancelling seed settles CancelDelay after Put. The
// error, a CodeInvalidSeed *Error, says why a seed is inconsistent (say, succeeded with a
// pending table) or why its id cannot be used (taken, or unfit for a URL path).
func (s *Server) Put(seed Seed) (export.ID, error) {
	return s.store.put(seed)
}

// IDs returns the ids of every request the server holds, created or put, sorted as text.
func (s *Server) IDs() []string {
	return s.store.ids()
}

// Status returns the status document of request id as GET would answer it now, and false when
// there is no such request. Injected defects that only garble the answer (its encoding, its
// Content-Type, a wrong id or flag) do not apply, nor do variants: Status shows the state the
// fake holds, which the defects that change the state machine do change.
func (s *Server) Status(id string) (export.Status, bool) {
	doc, err := s.store.status(id)
	if err != nil {
		if ErrorCode(err) != CodeNotFound {
			s.log.Error("internal error", "op", "status", "id", id, "err", err)
		}
		return export.Status{}, false
	}
	return doc, true
}
