package load

import (
	"math/bits"
	"time"
)

// subBuckets is the number of buckets per power of two: values are kept to within 1/128 (under
// 0.8 %) of what was recorded, in a fixed 8 KB per histogram, however many values it holds.
const subBuckets = 128

// histogram counts durations in log-linear buckets (as HdrHistogram does), so that a long load
// does not keep every latency to compute its percentiles. It is not safe for concurrent use:
// each worker keeps its own and they are merged at the end.
type histogram struct {
	counts [64 * subBuckets]int64
	n      int64
	max    time.Duration
}

// bucket returns the index of v's bucket: exact below 2·subBuckets ns, then subBuckets buckets
// per power of two.
func bucket(v int64) int {
	if v < 2*subBuckets {
		return int(max(v, 0))
	}
	shift := bits.Len64(uint64(v)) - 8 // v>>shift is in [128, 256)
	return (shift+1)*subBuckets + int(v>>shift) - subBuckets
}

// lowest returns the smallest value of bucket i.
func lowest(i int) int64 {
	if i < 2*subBuckets {
		return int64(i)
	}
	shift := i/subBuckets - 1
	return int64(i%subBuckets+subBuckets) << shift
}

func (h *histogram) record(d time.Duration) {
	h.counts[bucket(int64(d))]++
	h.n++
	h.max = max(h.max, d)
}

func (h *histogram) merge(o *histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.max = max(h.max, o.max)
}

// quantile returns the smallest recorded value v (to the bucket's precision) such that at least
// q of the values are at or below v; 0 for an empty histogram. It never exceeds the maximum.
func (h *histogram) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := int64(q*float64(h.n) + 0.5)
	rank = min(max(rank, 1), h.n)
	var seen int64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			// The bucket's upper end, so that a percentile is never below a value it covers.
			if upper := lowest(i+1) - 1; upper > 0 {
				return min(time.Duration(upper), h.max)
			}
			return h.max
		}
	}
	return h.max
}
