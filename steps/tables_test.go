package steps

import (
	"testing"

	"github.com/cucumber/godog"
	messages "github.com/cucumber/messages/go/v34"
	"github.com/stretchr/testify/require"
)

// table builds a data table from rows of cells.
func table(rows ...[]string) *godog.Table {
	t := &godog.Table{}
	for _, r := range rows {
		row := &messages.PickleTableRow{}
		for _, c := range r {
			row.Cells = append(row.Cells, &messages.PickleTableCell{Value: c})
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// TestTablesOfTheWrongShapeAreMistakes: a data table of tables whose shape conform does not
// know is the feature's mistake; before, an unknown column was ignored, so a table with
// misspelt "recrods" and "chekcsum" columns holding wrong values passed.
func TestTablesOfTheWrongShapeAreMistakes(t *testing.T) {
	tests := []struct {
		name  string
		table *godog.Table
		want  string // "" for none
	}{
		{"every column", table([]string{"table", "progress", "records", "checksum"}, []string{"SHIPMENT", "succeeded", "42", "abc"}), ""},
		{"required columns only", table([]string{"progress", "table"}, []string{"succeeded", "SHIPMENT"}), ""},
		{"misspelt columns", table([]string{"table", "progress", "recrods", "chekcsum"}, []string{"SHIPMENT", "succeeded", "999", "nonsense"}),
			`the data table has columns conform does not know: "recrods" (did you mean "records"?), "chekcsum" (did you mean "checksum"?) (its columns: table, progress, records, checksum)`},
		{"a column far from any", table([]string{"table", "progress", "owner"}, []string{"SHIPMENT", "succeeded", "me"}),
			`the data table has columns conform does not know: "owner" (its columns: table, progress, records, checksum)`},
		{"a column twice", table([]string{"table", "progress", "table"}, []string{"SHIPMENT", "succeeded", "LOCATION"}), `the data table has the column "table" twice`},
		{"no progress", table([]string{"table"}, []string{"SHIPMENT"}), `the data table needs a "progress" column`},
		{"header only", table([]string{"table", "progress"}), "the step needs a data table with a header row (table, progress, records, checksum) and a row for at least one table"},
		{"no table named", table([]string{"table", "progress"}, []string{" ", "succeeded"}), "a row of the data table names no table"},
		{"not a progress", table([]string{"table", "progress"}, []string{"SHIPMENT", "canceled"}), `table SHIPMENT: "canceled" is not a progress value`},
		{"records not a number", table([]string{"table", "progress", "records"}, []string{"SHIPMENT", "succeeded", "many"}), `table SHIPMENT: records "many" is not a number`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tableRows(tt.table)
			if tt.want == "" {
				require.NoError(t, err)
				require.NoError(t, Check("its tables show:", tt.table, false))
				return
			}
			require.EqualError(t, err, tt.want)
			require.EqualError(t, Check("its tables show:", tt.table, false), `step "its tables show:": `+tt.want)
			require.EqualError(t, Check("export request 12345 is running with these tables:", tt.table, false),
				`step "export request 12345 is running with these tables:": `+tt.want)
		})
	}
}

// TestCheckSaysWhatIsWrongWithAStep: before anything runs, a step conform does not know, or
// one with an argument it does not take, says so.
func TestCheckSaysWhatIsWrongWithAStep(t *testing.T) {
	rows := table([]string{"table", "progress"}, []string{"SHIPMENT", "succeeded"})
	require.NoError(t, Check("the answer is 404 Not Found", nil, false))
	require.NoError(t, Check("its tables show:", rows, false))
	require.EqualError(t, Check("the answer is 418 I'm a teapot", nil, false),
		`undefined step "the answer is 418 I'm a teapot"; the closest steps conform knows: "the answer is 404 Not Found"; `+
			`"the answer asks for credentials"; "the request is marked as cancelling"`)
	require.EqualError(t, Check("the answer is 404 Not Found", rows, false), `step "the answer is 404 Not Found" takes no data table`)
	require.EqualError(t, Check("the answer is 404 Not Found", nil, true), `step "the answer is 404 Not Found" takes no doc string`)
	require.EqualError(t, Check("its tables show:", nil, false), `step "its tables show:" needs a data table (columns: table, progress, records, checksum)`)
	for pattern := range tableSteps {
		require.True(t, slicesContainsPattern(pattern), "%s: a step of the catalog", pattern)
	}
}

func slicesContainsPattern(pattern string) bool {
	for _, d := range Definitions() {
		if d.Pattern == pattern {
			return true
		}
	}
	return false
}
