package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestMistakesInOwnFeaturesAreUsageErrors: a team's feature with a step conform does not know,
// or a data table of the wrong shape, is the team's mistake: exit 2, with file:line and what
// was probably meant, no Go snippets, and not one call to the target.
func TestMistakesInOwnFeaturesAreUsageErrors(t *testing.T) {
	tests := []struct {
		name    string
		feature string
		want    []string // in stderr
	}{
		{"undefined step", `Feature: Ours
  Scenario: A typo
    Given I am an authorised integration user
    When I cancle the export request
`, []string{`mine.feature:4: undefined step "I cancle the export request"; the closest steps conform knows: "I cancel the export request"`}},
		{"unknown columns", `Feature: Ours
  Scenario: Misspelt columns, wrong values (this passed: the columns were ignored)
    Given export request 12345 is running with these tables:
      | table           | progress  | records | checksum                         |
      | SHIPMENT        | succeeded | 92      | c9179dae8947cb56abaed4f6c2ea09b3 |
      | SHIPMENT_REFNUM | pending   |         |                                  |
    Then its tables show:
      | table    | progress  | recrods | chekcsum |
      | SHIPMENT | succeeded | 999     | nonsense |
`, []string{`mine.feature:7: step "its tables show:": the data table has columns conform does not know: "recrods" (did you mean "records"?), "chekcsum" (did you mean "checksum"?) (its columns: table, progress, records, checksum)`}},
		{"table without its required column", `Feature: Ours
  Scenario: No progress column
    Given I am an authorised integration user
    And an export request that is still running
    Then its tables show:
      | table    |
      | SHIPMENT |
`, []string{`mine.feature:5: step "its tables show:": the data table needs a "progress" column`}},
		{"table where none is taken", `Feature: Ours
  Scenario: A table too many
    Given I am an authorised integration user
      | user |
      | me   |
`, []string{`mine.feature:3: step "I am an authorised integration user" takes no data table`}},
		{"table step without its table", `Feature: Ours
  Scenario: No table
    Given I am an authorised integration user
    And an export request that is still running
    Then its tables show:
`, []string{`mine.feature:5: step "its tables show:" needs a data table (columns: table, progress, records, checksum)`}},
		{"a progress value that is none", `Feature: Ours
  Scenario: Cancelled, misspelt
    Given I am an authorised integration user
    And an export request that is still running
    Then its tables show:
      | table    | progress |
      | SHIPMENT | canceled |
`, []string{`mine.feature:5: step "its tables show:": table SHIPMENT: "canceled" is not a progress value`}},
	}
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	t.Setenv("CONFORM_USERNAME", "alice")
	t.Setenv("CONFORM_PASSWORD", "wonderland")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mine := filepath.Join(t.TempDir(), "mine.feature")
			require.NoError(t, os.WriteFile(mine, []byte(tt.feature), 0o644))
			for _, target := range [][]string{nil, {"--base-url", srv.URL}} {
				args := append([]string{"run", "--features", mine, "--format", "pretty"}, target...)
				code, out, errOut := conform(t, args...)
				require.Equal(t, exitUsage, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
				for _, w := range tt.want {
					require.Contains(t, errOut, w)
				}
				require.Contains(t, errOut, "nothing was run (conform steps lists every step conform knows)")
				require.Contains(t, errOut, "Run 'conform run --help' for usage.")
				require.NotContains(t, errOut, "the target does not conform")
				require.NotContains(t, out+errOut, "func ", "no Go snippets")
				require.NotContains(t, out, "scenarios (", "nothing ran")
			}
			require.Zero(t, calls.Load(), "no call reached the target")
		})
	}
}
