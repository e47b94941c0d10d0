package suite

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/steps"
)

// TestRunRefusesFeaturesWithMistakes: a run whose features have a step conform does not know,
// or a table of the wrong shape, runs nothing and asks no target for anything: the mistakes,
// each with its file and line, are a usage error.
func TestRunRefusesFeaturesWithMistakes(t *testing.T) {
	dir := t.TempDir()
	mine := filepath.Join(dir, "mine.feature")
	require.NoError(t, os.WriteFile(mine, []byte(`Feature: Ours
  Background:
    Given I am an authorised integration usr

  Scenario: One
    Given an export request that is still running
    Then its tables show:
      | table    | progress  | recrods |
      | SHIPMENT | succeeded | 999     |

  Scenario: Two
    When I submit an export request
`), 0o644))
	targets := 0
	var out bytes.Buffer
	res, err := Run(context.Background(), Options{
		Config: steps.Config{NewTarget: func(context.Context) (*steps.Target, error) {
			targets++
			return nil, errors.New("no target for a broken feature")
		}},
		Features: []string{mine},
		Output:   &out,
	})
	var ue *UsageError
	require.ErrorAs(t, err, &ue)
	var fe *FeatureError
	require.ErrorAs(t, err, &fe)
	require.Equal(t, []string{
		mine + `:3: undefined step "I am an authorised integration usr"; the closest steps conform knows: "I am an authorised integration user"; ` +
			`"I submit an export request"; "I submit an export request without credentials"`,
		mine + `:7: step "its tables show:": the data table has columns conform does not know: "recrods" (did you mean "records"?) ` +
			`(its columns: table, progress, records, checksum)`,
	}, fe.Problems, "the background's step once")
	require.Zero(t, targets)
	require.Empty(t, out.String())
	require.False(t, res.Passed)
	require.NoError(t, Check(Options{}), "conform's own features have no mistake")
}
