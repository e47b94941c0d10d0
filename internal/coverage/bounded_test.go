package coverage

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/export"
)

func TestABoundedCollectorForgetsAsTheFollowerDoes(t *testing.T) {
	const bound, n = 1000, 50000
	c := NewBounded(embeddedSpec(t), bound)
	for i := 1; i <= n; i++ {
		id := export.ID(strconv.Itoa(i))
		p := export.Processing
		if i%2 == 0 {
			p = export.Succeeded
		}
		c.Add("", exchange(export.CallStatus, 200, id, status(id, p, "A", string(p))))
		if i%5000 == 0 {
			followed, _ := c.Followed()
			require.LessOrEqual(t, followed, bound)
		}
	}
	followed, evicted := c.Followed()
	require.Equal(t, bound, followed)
	require.Equal(t, n-bound, evicted)
	require.Equal(t, n, c.Report().Requests, "every request seen is counted, forgotten or not")

	// Completed requests go first: the running ones seen last are all still remembered, and a
	// move of one is still counted.
	before := c.Report().RequestTransitions
	c.Add("", exchange(export.CallStatus, 200, "49999", status("49999", export.Succeeded, "A", "succeeded")))
	after := c.Report().RequestTransitions
	require.NotEqual(t, before, after, "the running request kept its last document")
}
