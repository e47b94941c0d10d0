package load

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestBucketsCoverEveryValueInOrder(t *testing.T) {
	prev := -1
	for _, v := range []int64{0, 1, 255, 256, 258, 511, 512, 1 << 20, 1<<20 + 1<<13, 1 << 40, 1 << 62} {
		i := bucket(v)
		require.Greater(t, i, prev, "value %d", v)
		require.LessOrEqual(t, float64(lowest(i+1)-lowest(i)), max(1, float64(v)/subBuckets), "bucket of %d too wide", v)
		require.LessOrEqual(t, lowest(i), v, "value %d", v)
		require.Greater(t, lowest(i+1), v, "value %d", v)
		prev = i
	}
	require.Less(t, bucket(1<<63-1), 64*subBuckets)
}

func TestQuantilesWithinPrecision(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var h histogram
	var all []time.Duration
	for range 100000 {
		d := time.Duration(r.ExpFloat64() * float64(2*time.Millisecond))
		h.record(d)
		all = append(all, d)
	}
	slices.Sort(all)
	for _, q := range []float64{0.5, 0.9, 0.99, 1} {
		want := all[int(q*float64(len(all)))-1]
		got := h.quantile(q)
		require.InEpsilon(t, float64(want), float64(got), 0.01, "q=%v", q)
	}
	require.Equal(t, all[len(all)-1], h.max)
	require.Equal(t, h.max, h.quantile(1))
}

func TestMergeAndEmpty(t *testing.T) {
	var a, b histogram
	require.Zero(t, a.quantile(0.5))
	a.record(time.Millisecond)
	b.record(3 * time.Millisecond)
	b.record(3 * time.Millisecond)
	a.merge(&b)
	require.EqualValues(t, 3, a.n)
	require.Equal(t, 3*time.Millisecond, a.max)
	require.InEpsilon(t, float64(time.Millisecond), float64(a.quantile(0.2)), 0.01)
	require.InEpsilon(t, float64(3*time.Millisecond), float64(a.quantile(0.5)), 0.01)
}
