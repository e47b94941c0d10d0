package report

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/oracle"
)

// drawnMachine is what a picture of one state machine shows: its states with their boxes, and its
// moves with the points each one's line goes through.
type drawnMachine struct {
	states map[export.Progress][4]float64 // x, y, width, height
	moves  []export.Transition
	lines  [][][2]float64
}

// readMachines reads the state machine pictures in svg, by data-machine.
func readMachines(t testing.TB, svg *html.Node) map[string]*drawnMachine {
	t.Helper()
	out := map[string]*drawnMachine{}
	for _, g := range all(svg, hasClass("sm-machine")) {
		m := &drawnMachine{states: map[export.Progress][4]float64{}}
		for _, r := range all(g, hasClass("state")) {
			p := export.Progress(attr(r, "data-state"))
			_, dup := m.states[p]
			require.False(t, dup, "state %s is drawn twice", p)
			m.states[p] = [4]float64{number(t, attr(r, "x")), number(t, attr(r, "y")), number(t, attr(r, "width")), number(t, attr(r, "height"))}
		}
		for _, e := range all(g, hasClass("edge")) {
			m.moves = append(m.moves, export.Transition{From: export.Progress(attr(e, "data-from")), To: export.Progress(attr(e, "data-to"))})
			m.lines = append(m.lines, edgePoints(t, e))
			require.Equal(t, "url(#sm-arrow)", attr(e, "marker-end"), "a move has a direction")
		}
		out[attr(g, "data-machine")] = m
	}
	return out
}

var pathPoint = regexp.MustCompile(`([ML]) (-?[\d.]+) (-?[\d.]+)`)

func edgePoints(t testing.TB, e *html.Node) [][2]float64 {
	t.Helper()
	if e.Data == "line" {
		return [][2]float64{{number(t, attr(e, "x1")), number(t, attr(e, "y1"))}, {number(t, attr(e, "x2")), number(t, attr(e, "y2"))}}
	}
	require.Equal(t, "path", e.Data)
	d := attr(e, "d")
	var pts [][2]float64
	for _, m := range pathPoint.FindAllStringSubmatch(d, -1) {
		pts = append(pts, [2]float64{number(t, m[2]), number(t, m[3])})
	}
	require.Equal(t, len(strings.Fields(d)), 3*len(pts), "a path of straight runs: %s", d)
	return pts
}

func number(t testing.TB, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(s, 64)
	require.NoError(t, err, "%q", s)
	return f
}

func statesOf(moves []export.Transition) []export.Progress {
	var out []export.Progress
	for _, m := range moves {
		out = append(out, m.From, m.To)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// requireDrawnAsTheTable requires the picture m to show exactly the moves of table, each once,
// from its state's box to the other's, crossing no other box.
func requireDrawnAsTheTable(t testing.TB, table []export.Transition, m *drawnMachine) {
	t.Helper()
	require.NotNil(t, m)
	require.Equal(t, table, m.moves, "every move of the table is an edge, in the table's order, and nothing else is")
	var drawn []export.Progress
	for p := range m.states {
		drawn = append(drawn, p)
	}
	slices.Sort(drawn)
	require.Equal(t, statesOf(table), drawn, "the states are those of the table")

	near := func(pt [2]float64, box [4]float64, slack float64) bool {
		return pt[0] >= box[0]-slack && pt[0] <= box[0]+box[2]+slack && pt[1] >= box[1]-slack && pt[1] <= box[1]+box[3]+slack
	}
	inside := func(pt [2]float64, box [4]float64) bool {
		return pt[0] > box[0]+1 && pt[0] < box[0]+box[2]-1 && pt[1] > box[1]+1 && pt[1] < box[1]+box[3]-1
	}
	for i, mv := range m.moves {
		pts := m.lines[i]
		require.GreaterOrEqual(t, len(pts), 2)
		from, to := m.states[mv.From], m.states[mv.To]
		require.True(t, near(pts[0], from, 5), "%v starts at %v, by the box of %s %v", mv, pts[0], mv.From, from)
		require.True(t, near(pts[len(pts)-1], to, 5), "%v ends at %v, by the box of %s %v", mv, pts[len(pts)-1], mv.To, to)
		for k := 1; k < len(pts); k++ {
			a, b := pts[k-1], pts[k]
			for step := 0.0; step <= 1; step += 0.005 {
				pt := [2]float64{a[0] + (b[0]-a[0])*step, a[1] + (b[1]-a[1])*step}
				for p, box := range m.states {
					require.False(t, inside(pt, box), "%v crosses the box of %s at %v", mv, p, pt)
				}
			}
		}
	}
}

// TestStateMachineIsTheTables: the picture on the page is drawn from the transition tables, so
// that it cannot drift from the machine the harness enforces.
func TestStateMachineIsTheTables(t *testing.T) {
	doc := parse(t, render(t, sampleStream(t), sampleInfo))
	svg := first(byID(doc, "state-machine"), func(n *html.Node) bool { return n.Data == "svg" && hasClass("machine")(n) })
	require.NotNil(t, svg)
	machines := readMachines(t, svg)
	require.Len(t, machines, 2)
	requireDrawnAsTheTable(t, export.RequestTransitions(), machines["request"])
	requireDrawnAsTheTable(t, export.ItemTransitions(), machines["item"])

	title := titleText(first(svg, tag("title")))
	for _, mv := range append(export.RequestTransitions(), export.ItemTransitions()...) {
		require.Contains(t, title, fmt.Sprintf("%s → %s", mv.From, mv.To), "the picture in words")
	}
	for p, box := range machines["request"].states {
		require.Positive(t, box[2])
		if p.Terminal() {
			require.Contains(t, render(t, nil, Info{}), fmt.Sprintf(`class="state-inner" x="%g" y="%g"`, box[0]+4, box[1]+4), "%s has a double border", p)
		}
	}
}

// TestStateMachineOfOtherTables draws tables the machine does not have today (a move back, a
// loop, moves across and against the columns, a state pending does not reach): each move is
// still one edge, between its boxes, crossing no other box.
func TestStateMachineOfOtherTables(t *testing.T) {
	tr := func(from, to export.Progress) export.Transition { return export.Transition{From: from, To: to} }
	tests := map[string][]export.Transition{
		"back and forth": append(export.RequestTransitions(), tr(export.Cancelling, export.Processing)),
		"a loop":         append(export.RequestTransitions(), tr(export.Failed, export.Failed)),
		"far back":       append(export.RequestTransitions(), tr(export.Succeeded, export.Pending), tr(export.Cancelled, export.Pending)),
		"within a column, past a box": append(export.RequestTransitions(), tr(export.Processing, export.Interrupted),
			tr(export.Succeeded, export.Cancelled)),
		"unreachable": {tr(export.Pending, export.Processing), tr(export.Unknown, export.Failed), tr("odd", export.Pending)},
	}
	for name, table := range tests {
		t.Run(name, func(t *testing.T) {
			doc := parse(t, "<body>"+machineSVG(table, export.ItemTransitions())+"</body>")
			machines := readMachines(t, first(doc, tag("svg")))
			requireDrawnAsTheTable(t, table, machines["request"])
			requireDrawnAsTheTable(t, export.ItemTransitions(), machines["item"])
		})
	}
}

// TestInvariantListIsTheOracles: the page lists the invariants the oracle checks, as the
// oracle lists them.
func TestInvariantListIsTheOracles(t *testing.T) {
	doc := parse(t, render(t, sampleStream(t), sampleInfo))
	list := first(byID(doc, "state-machine"), hasClass("invariants"))
	require.NotNil(t, list)
	var got []oracle.Invariant
	for _, li := range all(list, tag("li")) {
		n, err := strconv.Atoi(attr(li, "value"))
		require.NoError(t, err)
		require.Equal(t, fmt.Sprintf("invariant-%d", n), attr(li, "id"), "breaches link to it")
		got = append(got, oracle.Invariant{
			Number: n,
			Name:   textOf(first(li, hasClass("invariant-name"))),
			Text:   textOf(first(li, hasClass("invariant-text"))),
		})
	}
	want := oracle.Invariants()
	for i := range want {
		want[i].Text = strings.ReplaceAll(want[i].Text, "`", "") // shown as code
	}
	require.Equal(t, want, got)
	require.NotEmpty(t, all(list, tag("code")), "field names and values are shown as code")
}
