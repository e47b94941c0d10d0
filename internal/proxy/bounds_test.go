package proxy

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/fakeserver"
	"github.com/conform-harness/conform/internal/coverage"
	"github.com/conform-harness/conform/judge"
	"github.com/conform-harness/conform/openapi"
)

// TestTheProxyAndItsCoverageFollowOneBoundedSetOfRequests sends 300 creates through a proxy
// that follows at most 50 requests, with coverage collected as conform proxy collects it: the
// proxy never follows more, and coverage remembers the same number and forgot the same number.
func TestTheProxyAndItsCoverageFollowOneBoundedSetOfRequests(t *testing.T) {
	const bound, n = 50, 300
	cov := coverage.NewBounded(loadSpec(t), bound)
	p := createThrough(t, Options{MaxFollowed: bound, Exchange: func(ex judge.Exchange) { cov.Add("", ex) }}, n, func(p *Proxy) {
		followed, _ := p.Followed()
		require.LessOrEqual(t, followed, bound)
	})
	followed, evicted := p.Followed()
	require.Equal(t, bound, followed)
	require.Equal(t, n-bound, evicted)
	covFollowed, covEvicted := cov.Followed()
	require.Equal(t, followed, covFollowed, "one bound: coverage remembers what the proxy follows")
	require.Equal(t, evicted, covEvicted)
	require.Equal(t, n, cov.Report().Requests)
}

// loadSpec is the embedded spec, for coverage.
func loadSpec(t *testing.T) *openapi3.T {
	t.Helper()
	spec, err := openapi.Load()
	require.NoError(t, err)
	return spec
}

// createThrough starts the fake on a manual clock and a proxy of it with o (its target,
// validator and clock filled in, one exchange kept), sends n creates through the proxy, calling
// after (when set) after each, and returns the proxy.
func createThrough(t *testing.T, o Options, n int, after func(*Proxy)) *Proxy {
	t.Helper()
	clock := fakeserver.NewManualClock(time.Date(2022, 11, 29, 15, 21, 56, 0, time.UTC))
	target := httptest.NewServer(fakeserver.New(fakeserver.Options{Clock: clock, Username: user, Password: password}))
	t.Cleanup(target.Close)
	v, err := openapi.NewValidator()
	require.NoError(t, err)
	u, err := url.Parse(target.URL)
	require.NoError(t, err)
	o.Target, o.Validator, o.Now, o.MaxKept = u, v, clock.Now, 1
	p, err := New(o)
	require.NoError(t, err)
	front := httptest.NewServer(p)
	t.Cleanup(front.Close)
	for i := range n {
		resp, _ := call(t, http.MethodPost, front.URL+export.Root+"/exportRequests", `{"tables":{"items":[{"tableName":"SHIPMENT"}]}}`)
		require.Equal(t, http.StatusAccepted, resp.StatusCode, "create %d", i)
		if after != nil {
			after(p)
		}
	}
	return p
}
