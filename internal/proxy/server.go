package proxy

import (
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/judge"
)

// TargetURL returns Options.Target for an API root (target.Root's form, ending in
// export.Root): its scheme, its host and the path before the API root (a gateway's), for the
// requests carry the root themselves.
func TargetURL(root string) (*url.URL, error) {
	u, err := url.Parse(root)
	if err != nil {
		return nil, err
	}
	u.Path = u.Path[:len(u.Path)-len(export.Root)]
	return u, nil
}

// ServerOptions bound what a client may take of the proxy's server.
type ServerOptions struct {
	// ReadTimeout is the longest a client may take to send its request, headers and body: one
	// that dribbles is cut off then, whatever it still sends.
	ReadTimeout time.Duration
	// RequestTimeout is the longest the target may take to answer a forwarded request.
	RequestTimeout time.Duration
	// ErrorLog receives the server's own warnings (a client's broken connection, a TLS
	// handshake); nil discards them.
	ErrorLog io.Writer
}

// NewServer returns the HTTP server of the proxy h: a client has ReadTimeout to send its
// request (and 5 seconds at most for its headers), the answer then has RequestTimeout to come,
// an idle connection is closed after 2 minutes, and a request's headers take at most 64 KiB.
func NewServer(h http.Handler, o ServerOptions) *http.Server {
	logTo := o.ErrorLog
	if logTo == nil {
		logTo = io.Discard
	}
	return &http.Server{Handler: h, ReadHeaderTimeout: min(5*time.Second, o.ReadTimeout), ReadTimeout: o.ReadTimeout,
		WriteTimeout: o.ReadTimeout + o.RequestTimeout, IdleTimeout: 2 * time.Minute,
		MaxHeaderBytes: 64 << 10, ErrorLog: slog.NewLogLogger(slog.NewTextHandler(logTo, nil), slog.LevelWarn)}
}

// JudgedExchanges returns the exchanges of Exchanges that were answered and judged, in the order
// they were answered: what the reports show. An answer not judged, or a request not answered,
// is counted and logged, and has no verdict to show.
func (p *Proxy) JudgedExchanges() []judge.Exchange {
	var out []judge.Exchange
	for _, ex := range p.Exchanges() {
		if Judged(ex) {
			out = append(out, ex)
		}
	}
	return out
}
