package export

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestTransitionTables checks every (from, to) pair of both machines against the edges of
// DESIGN §2, written out independently here.
func TestTransitionTables(t *testing.T) {
	type edge struct{ from, to Progress }
	tests := []struct {
		name   string
		allows func(from, to Progress) bool
		list   []Transition
		edges  []edge
	}{
		{"request", RequestMayMove, RequestTransitions(), []edge{
			{Pending, Processing}, {Processing, Succeeded}, {Processing, Failed},
			{Pending, Cancelling}, {Processing, Cancelling}, {Cancelling, Cancelled},
		}},
		{"item", ItemMayMove, ItemTransitions(), []edge{
			{Pending, Processing}, {Processing, Succeeded}, {Processing, Failed},
			{Pending, Cancelled}, {Processing, Cancelled},
		}},
	}
	for _, tt := range tests {
		want := map[edge]bool{}
		for _, e := range tt.edges {
			want[e] = true
		}
		for _, from := range Progresses() {
			for _, to := range Progresses() {
				t.Run(fmt.Sprintf("%s/%s→%s", tt.name, from, to), func(t *testing.T) {
					require.Equal(t, want[edge{from, to}], tt.allows(from, to))
				})
			}
		}
		require.Len(t, tt.list, len(tt.edges), "the list has every edge once")
		for _, tr := range tt.list {
			require.True(t, want[edge{tr.From, tr.To}], "%s → %s", tr.From, tr.To)
			require.False(t, tr.From.Terminal(), "%s is terminal but has a move", tr.From)
		}
	}
}

func TestProgressesIsTheCallersCopy(t *testing.T) {
	p := Progresses()
	p[0] = "broken"
	require.Equal(t, Pending, Progresses()[0])
	require.True(t, Pending.Known())
	require.False(t, Progress("canceled").Known())
}
