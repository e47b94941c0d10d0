package proxy

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/internal/coverage"
	"github.com/conform-harness/conform/judge"
)

// TestTheProxyFollowsRequestsInTheTrackerItIsGiven sends 120 creates through a proxy given the
// Tracker of coverage.Following, bounded at 30, with MaxFollowed left far above: the Tracker's
// bound holds the proxy's oracle and coverage both, which follow the very same requests.
func TestTheProxyFollowsRequestsInTheTrackerItIsGiven(t *testing.T) {
	const bound, n = 30, 120
	cov, tracker := coverage.Following(loadSpec(t), bound)
	p := createThrough(t, Options{MaxFollowed: 10 * n, Tracker: tracker, Exchange: func(ex judge.Exchange) { cov.Add("", ex) }}, n, nil)
	followed, evicted := p.Followed()
	require.Equal(t, bound, followed, "the Tracker's bound, not MaxFollowed")
	require.Equal(t, n-bound, evicted)
	covFollowed, covEvicted := cov.Followed()
	require.Equal(t, []int{followed, evicted}, []int{covFollowed, covEvicted})
	report := cov.Report()
	require.Equal(t, n, report.Requests)
	require.Equal(t, n, report.Documents, "each create's document, counted once though the oracle and coverage both read it")
}
