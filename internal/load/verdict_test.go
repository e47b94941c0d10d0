package load

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A load judges as conform run does (judge) and writes each violation on one line of its
// report, as judge.Problem.Line writes it: a newline or an escape sequence a target slips into
// a key can neither forge a line of the report nor drive the terminal.
func TestAViolationIsOneLineOfTheReport(t *testing.T) {
	cfg := target(t, corrupt(func(s string) string {
		return strings.Replace(s, `"progress":`, `"x\nnonconforming: 0\u001b[31m":{"d":1,"d":2},"progress":`, 1)
	}))
	cfg.Duration = 100 * time.Millisecond
	cfg.MaxViolations = 3
	rep, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	require.NotEmpty(t, rep.Violations)
	for _, v := range rep.Violations {
		require.NotContains(t, v, "\n")
		require.NotContains(t, v, "\x1b")
	}
	require.Contains(t, rep.Violations[0], `spec: response /x\nnonconforming: 0\x1b[31m`)
}
