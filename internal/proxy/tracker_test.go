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

// TestTheProxyFollowsRequestsInTheTrackerItIsGiven sends 120 creates through a proxy given the
// Tracker of coverage.Following, bounded at 30, with MaxFollowed left far above: the Tracker's
// bound holds the proxy's oracle and coverage both, which follow the very same requests.
func TestTheProxyFollowsRequestsInTheTrackerItIsGiven(t *testing.T) {
	const bound, n = 30, 120
	clock := fakeserver.NewManualClock(time.Date(2022, 11, 29, 15, 21, 56, 0, time.UTC))
	target := httptest.NewServer(fakeserver.New(fakeserver.Options{Clock: clock, Username: user, Password: password}))
	t.Cleanup(target.Close)
	v, err := openapi.NewValidator()
	require.NoError(t, err)
	spec, err := openapi.Load()
	require.NoError(t, err)
	u, _ := url.Parse(target.URL)
	cov, tracker := coverage.Following(spec, bound)
	p, err := New(Options{Target: u, Validator: v, Now: clock.Now, MaxKept: 1, MaxFollowed: 10 * n, Tracker: tracker,
		Exchange: func(ex judge.Exchange) { cov.Add("", ex) }})
	require.NoError(t, err)
	front := httptest.NewServer(p)
	t.Cleanup(front.Close)

	for i := range n {
		resp, _ := call(t, http.MethodPost, front.URL+export.Root+"/exportRequests", `{"tables":{"items":[{"tableName":"SHIPMENT"}]}}`)
		require.Equal(t, http.StatusAccepted, resp.StatusCode, "create %d", i)
	}
	followed, evicted := p.Followed()
	require.Equal(t, bound, followed, "the Tracker's bound, not MaxFollowed")
	require.Equal(t, n-bound, evicted)
	covFollowed, covEvicted := cov.Followed()
	require.Equal(t, []int{followed, evicted}, []int{covFollowed, covEvicted})
	report := cov.Report()
	require.Equal(t, n, report.Requests)
	require.Equal(t, n, report.Documents, "each create's document, counted once though the oracle and coverage both read it")
}
