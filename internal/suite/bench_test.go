package suite

import (
	"context"
	"io"
	"testing"
)

// BenchmarkBundledRun is one whole run of every scenario against the bundled fake, as
// `conform run` does it without flags, minus the process start: reports go to io.Discard.
func BenchmarkBundledRun(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		res, err := Run(context.Background(), Options{Formats: []Format{{Name: "progress"}}, Output: io.Discard})
		if err != nil || !res.Passed {
			b.Fatalf("the bundled run must pass: %+v, %v", res, err)
		}
	}
}
