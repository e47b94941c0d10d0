package steps

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/cucumber/godog"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/internal/similar"
)

// tableColumns are the columns of the data table of the steps that describe an export
// request's tables ("export request 12345 is running with these tables:", "its tables show:"),
// in the order people write them. table and progress are required; records and checksum, when
// given, are checked (or seeded) too.
var tableColumns = []string{"table", "progress", "records", "checksum"}

// tableRow is one row of a "table | progress | records | checksum" data table.
type tableRow struct {
	name     string
	progress export.Progress
	records  int64
	checksum string
}

// tableRows reads a data table of tableColumns. A table of another shape is a mistake in the
// feature, never a verdict on the target: a column conform does not know would otherwise be
// ignored, and a table with a misspelt "recrods" column holding wrong counts would pass.
func tableRows(t *godog.Table) ([]tableRow, error) {
	if t == nil || len(t.Rows) < 2 {
		return nil, fmt.Errorf("the step needs a data table with a header row (%s) and a row for at least one table", strings.Join(tableColumns, ", "))
	}
	col := map[string]int{}
	var unknown []string
	for i, c := range t.Rows[0].Cells {
		name := strings.TrimSpace(c.Value)
		if !slices.Contains(tableColumns, name) {
			unknown = append(unknown, fmt.Sprintf("%q%s", name, didYouMean(name, tableColumns)))
			continue
		}
		if _, twice := col[name]; twice {
			return nil, fmt.Errorf("the data table has the column %q twice", name)
		}
		col[name] = i
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("the data table has columns conform does not know: %s (its columns: %s)",
			strings.Join(unknown, ", "), strings.Join(tableColumns, ", "))
	}
	for _, need := range []string{"table", "progress"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("the data table needs a %q column", need)
		}
	}
	var out []tableRow
	for _, tr := range t.Rows[1:] {
		cell := func(name string) string {
			i, ok := col[name]
			if !ok || i >= len(tr.Cells) {
				return ""
			}
			return strings.TrimSpace(tr.Cells[i].Value)
		}
		row := tableRow{name: cell("table"), progress: export.Progress(cell("progress")), checksum: cell("checksum")}
		if row.name == "" {
			return nil, errors.New("a row of the data table names no table")
		}
		if !row.progress.Known() {
			return nil, fmt.Errorf("table %s: %q is not a progress value", row.name, row.progress)
		}
		if s := cell("records"); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("table %s: records %q is not a number", row.name, s)
			}
			row.records = n
		}
		out = append(out, row)
	}
	return out, nil
}

// didYouMean returns ` (did you mean "x"?)` for the one of known closest to got, or "" when
// none is close (more than half of it would have to change).
func didYouMean(got string, known []string) string {
	best, dist := "", len(got)/2+1
	for _, k := range known {
		if d := similar.Distance([]byte(strings.ToLower(got)), []byte(k)); d < dist {
			best, dist = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}
