package proxy

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

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
	clock := fakeserver.NewManualClock(time.Date(2022, 11, 29, 15, 21, 56, 0, time.UTC))
	target := httptest.NewServer(fakeserver.New(fakeserver.Options{Clock: clock, Username: user, Password: password}))
	t.Cleanup(target.Close)
	v, err := openapi.NewValidator()
	require.NoError(t, err)
	spec, err := openapi.Load()
	require.NoError(t, err)
	u, _ := url.Parse(target.URL)
	cov := coverage.NewBounded(spec, bound)
	p, err := New(Options{Target: u, Validator: v, Now: clock.Now, MaxKept: 1, MaxFollowed: bound,
		Exchange: func(ex judge.Exchange) { cov.Add("", ex) }})
	require.NoError(t, err)
	front := httptest.NewServer(p)
	t.Cleanup(front.Close)

	for i := range n {
		resp, _ := call(t, http.MethodPost, front.URL+export.Root+"/exportRequests", `{"tables":{"items":[{"tableName":"SHIPMENT"}]}}`)
		require.Equal(t, http.StatusAccepted, resp.StatusCode, "create %d", i)
		followed, _ := p.Followed()
		require.LessOrEqual(t, followed, bound)
	}
	followed, evicted := p.Followed()
	require.Equal(t, bound, followed)
	require.Equal(t, n-bound, evicted)
	covFollowed, covEvicted := cov.Followed()
	require.Equal(t, followed, covFollowed, "one bound: coverage remembers what the proxy follows")
	require.Equal(t, evicted, covEvicted)
	require.Equal(t, n, cov.Report().Requests)
}
