package suite

import (
	"bytes"
	"context"
	"testing"

	"github.com/cucumber/godog"
	"github.com/stretchr/testify/require"
)

// TestFeaturesAgainstBundledFake runs the whole feature suite against the bundled fake, each
// scenario as a subtest.
func TestFeaturesAgainstBundledFake(t *testing.T) {
	var out bytes.Buffer
	res, err := Run(context.Background(), Options{
		Formats:   []Format{{Name: "progress"}},
		Output:    &out,
		Configure: func(o *godog.Options) { o.TestingT = t },
	})
	require.NoError(t, err, out.String())
	require.True(t, res.Passed, out.String())
	require.Greater(t, res.Scenarios, 10)
}
