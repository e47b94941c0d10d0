package report

import (
	"fmt"
	"html"
	"math"
	"slices"
	"strings"

	"github.com/conform-harness/conform/export"
)

// The state machine picture is drawn from export's transition tables, so that it cannot drift
// from the machine the harness enforces. The layout is fixed and plain: a column per distance
// from pending (the longest way round is not what a reader follows), the states of a column in
// the vendor's order of progress values and centred on the tallest column, and straight arrows
// between neighbouring columns or neighbouring boxes of one column; any other move arches over
// the boxes so that it crosses none.

// Geometry of the state machine picture, in SVG user units.
const (
	smLeft    = 16
	smBoxW    = 118
	smBoxH    = 38
	smColGap  = 84
	smRowGap  = 30
	smHeadH   = 40 // a machine's heading, above its states
	smArch    = 26 // how far an arching move rises above the machine's boxes
	smBandGap = 30 // between the two machines
	smKeyW    = 150
)

// smMachine is one machine laid out: the request's or an item's.
type smMachine struct {
	Key     string // "request" or "item", for tests and styles
	Heading string
	Moves   []export.Transition
	boxes   map[export.Progress]smBox
	order   []export.Progress // states in drawing order
	head    float64           // top of the heading
	top     float64           // of the boxes
	bottom  float64
	cols    int
}

// smBox is where a state sits: its column, its row (half rows centre a short column) and its
// top-left corner.
type smBox struct {
	Col  int
	Row  float64
	X, Y float64
}

func (b smBox) cx() float64 { return b.X + smBoxW/2 }
func (b smBox) cy() float64 { return b.Y + smBoxH/2 }

// layoutMachine places the states of moves below a heading at top, leaving room above the boxes
// for moves that arch over them, when there are any.
func layoutMachine(key, heading string, moves []export.Transition, top float64) *smMachine {
	m := &smMachine{Key: key, Heading: heading, Moves: moves, boxes: map[export.Progress]smBox{}, head: top}
	var states []export.Progress
	for _, t := range moves {
		for _, p := range []export.Progress{t.From, t.To} {
			if !slices.Contains(states, p) {
				states = append(states, p)
			}
		}
	}
	// Distance from pending, breadth first; a state it does not reach goes after the rest.
	depth := map[export.Progress]int{}
	if slices.Contains(states, export.Pending) {
		depth[export.Pending] = 0
		queue := []export.Progress{export.Pending}
		for len(queue) > 0 {
			p := queue[0]
			queue = queue[1:]
			for _, t := range moves {
				if _, seen := depth[t.To]; t.From == p && !seen {
					depth[t.To] = depth[p] + 1
					queue = append(queue, t.To)
				}
			}
		}
	}
	deepest := -1
	for _, d := range depth {
		deepest = max(deepest, d)
	}
	for _, p := range states {
		if _, ok := depth[p]; !ok {
			depth[p] = deepest + 1
		}
	}
	rank := func(p export.Progress) int {
		if i := slices.Index(export.Progresses(), p); i >= 0 {
			return i
		}
		return len(export.Progresses())
	}
	slices.SortStableFunc(states, func(a, b export.Progress) int {
		if depth[a] != depth[b] {
			return depth[a] - depth[b]
		}
		if rank(a) != rank(b) {
			return rank(a) - rank(b)
		}
		return strings.Compare(string(a), string(b))
	})
	perCol := map[int]int{}
	rows := 0
	for _, p := range states {
		perCol[depth[p]]++
		rows = max(rows, perCol[depth[p]])
		m.cols = max(m.cols, depth[p]+1)
	}
	placed := map[int]int{}
	for _, p := range states {
		c := depth[p]
		row := float64(rows-perCol[c])/2 + float64(placed[c])
		placed[c]++
		m.boxes[p] = smBox{
			Col: c, Row: row,
			X: smLeft + float64(c)*(smBoxW+smColGap),
			Y: row * (smBoxH + smRowGap), // below the heading, once it is known whether moves arch
		}
	}
	m.order = states
	m.top = top + smHeadH
	for _, t := range moves {
		if !m.straight(t) {
			m.top += smArch
			break
		}
	}
	for p, b := range m.boxes {
		b.Y += m.top
		m.boxes[p] = b
	}
	m.bottom = m.top + float64(rows)*(smBoxH+smRowGap) - smRowGap
	return m
}

// straight reports whether no box can be in the way of a straight line for move t: its states
// are in neighbouring columns, or neighbours in one column.
func (m *smMachine) straight(t export.Transition) bool {
	from, to := m.boxes[t.From], m.boxes[t.To]
	return t.From != t.To && (abs(from.Col-to.Col) == 1 || (from.Col == to.Col && math.Abs(from.Row-to.Row) <= 1))
}

// edge returns the drawing of one move: a straight line between the two boxes' borders when no
// box can be in its way (neighbouring columns, or neighbouring boxes of one column), else a path
// of straight runs through the gaps between columns and above the boxes, which crosses none.
func (m *smMachine) edge(t export.Transition) string {
	from, to := m.boxes[t.From], m.boxes[t.To]
	attrs := fmt.Sprintf(`class="edge" data-from="%s" data-to="%s" marker-end="url(#sm-arrow)"`, esc(string(t.From)), esc(string(t.To)))
	title := fmt.Sprintf("<title>%s → %s</title>", esc(string(t.From)), esc(string(t.To)))
	if m.straight(t) {
		// A move that also goes back is drawn beside its twin, not on it.
		var ox, oy float64
		if slices.Contains(m.Moves, export.Transition{From: t.To, To: t.From}) {
			dx, dy := to.cx()-from.cx(), to.cy()-from.cy()
			n := math.Hypot(dx, dy)
			ox, oy = -dy/n*4, dx/n*4
		}
		x1, y1 := border(from, to.cx()-from.cx(), to.cy()-from.cy(), 0)
		x2, y2 := border(to, from.cx()-to.cx(), from.cy()-to.cy(), 2) // the arrowhead's tip stops short
		return fmt.Sprintf(`<line %s x1="%s" y1="%s" x2="%s" y2="%s">%s</line>`,
			attrs, num(x1+ox), num(y1+oy), num(x2+ox), num(y2+oy), title)
	}
	pts := m.route(from, to)
	if t.From == t.To { // a loop over the box's top
		pts = [][2]float64{{from.cx() - 12, from.Y}, {from.cx() - 12, from.Y - 14}, {from.cx() + 12, from.Y - 14}, {from.cx() + 12, from.Y - 2}}
	}
	var d []string
	for i, pt := range pts {
		cmd := "L"
		if i == 0 {
			cmd = "M"
		}
		d = append(d, fmt.Sprintf("%s %s %s", cmd, num(pt[0]), num(pt[1])))
	}
	return fmt.Sprintf(`<path %s d="%s" fill="none">%s</path>`, attrs, strings.Join(d, " "), title)
}

// route returns the corners of a path from one box to another through the gaps beside the
// columns and the room above the boxes. It leaves by the side facing the target (the right one
// within a column) and arrives likewise.
func (m *smMachine) route(from, to smBox) [][2]float64 {
	rightward := to.Col >= from.Col
	leftward := to.Col <= from.Col
	x1, gap1 := from.X+smBoxW, from.X+smBoxW+smColGap/2
	if !rightward {
		x1, gap1 = from.X, max(from.X-smColGap/2, 4)
	}
	x2, gap2 := to.X-2, max(to.X-smColGap/2, 4)
	if leftward {
		x2, gap2 = to.X+smBoxW+2, to.X+smBoxW+smColGap/2
	}
	pts := [][2]float64{{x1, from.cy()}, {gap1, from.cy()}}
	if from.Col != to.Col {
		above := m.top - smArch
		pts = append(pts, [2]float64{gap1, above}, [2]float64{gap2, above})
	}
	return append(pts, [2]float64{gap2, to.cy()}, [2]float64{x2, to.cy()})
}

// border returns where a line leaving box b's centre in direction (dx, dy) crosses its border,
// moved gap units further along.
func border(b smBox, dx, dy, gap float64) (float64, float64) {
	n := math.Hypot(dx, dy)
	if n == 0 {
		return b.cx(), b.cy()
	}
	t := math.Inf(1)
	if dx != 0 {
		t = min(t, smBoxW/2/math.Abs(dx))
	}
	if dy != 0 {
		t = min(t, smBoxH/2/math.Abs(dy))
	}
	t += gap / n
	return b.cx() + dx*t, b.cy() + dy*t
}

// machineSVG draws the request's and the items' state machines from their transition tables. A
// terminal state (the request or item has completed) has a double border.
func machineSVG(request, item []export.Transition) string {
	req := layoutMachine("request", "Export request", request, 0)
	itm := layoutMachine("item", "Each table (item) of the request", item, req.bottom+smBandGap)
	cols := max(req.cols, itm.cols)
	keyX := smLeft + float64(cols)*(smBoxW+smColGap) // beyond the gap that moves may route through
	width := keyX + smKeyW
	height := itm.bottom + 16

	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="machine" viewBox="0 0 %s %s" role="img" aria-labelledby="sm-title">`, num(width), num(height))
	fmt.Fprintf(&b, "\n<title id=\"sm-title\">%s</title>", esc(machineWords(req, itm)))
	b.WriteString(`
<defs>
<marker id="sm-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
<path d="M0 0 L10 5 L0 10 z" class="sm-head"/>
</marker>
</defs>`)
	for i, m := range []*smMachine{req, itm} {
		if i > 0 {
			y := m.head - smBandGap/2
			fmt.Fprintf(&b, "\n<line class=\"sm-rule\" x1=\"%d\" y1=\"%s\" x2=\"%s\" y2=\"%s\"/>", smLeft, num(y), num(width-smLeft), num(y))
		}
		fmt.Fprintf(&b, "\n<g class=\"sm-machine\" data-machine=\"%s\">", m.Key)
		fmt.Fprintf(&b, "\n<text x=\"%d\" y=\"%s\" class=\"sm-heading\">%s</text>", smLeft, num(m.head+22), esc(m.Heading))
		b.WriteString("\n<g class=\"sm-edges\">")
		for _, t := range m.Moves {
			b.WriteString("\n" + m.edge(t))
		}
		b.WriteString("\n</g>\n<g class=\"sm-states\">")
		for _, p := range m.order {
			box := m.boxes[p]
			fmt.Fprintf(&b, "\n<rect class=\"state %s\" data-state=\"%s\" x=\"%s\" y=\"%s\" width=\"%d\" height=\"%d\" rx=\"7\"/>",
				progressClass(string(p)), esc(string(p)), num(box.X), num(box.Y), smBoxW, smBoxH)
			if p.Terminal() {
				fmt.Fprintf(&b, "\n<rect class=\"state-inner\" x=\"%s\" y=\"%s\" width=\"%d\" height=\"%d\" rx=\"5\"/>",
					num(box.X+4), num(box.Y+4), smBoxW-8, smBoxH-8)
			}
			fmt.Fprintf(&b, "\n<text x=\"%s\" y=\"%s\" text-anchor=\"middle\">%s</text>", num(box.cx()), num(box.cy()+5), esc(string(p)))
		}
		b.WriteString("\n</g>\n</g>")
	}
	ky := req.top
	fmt.Fprintf(&b, `
<g class="sm-key">
<rect x="%s" y="%s" width="36" height="24" rx="5" class="state p-other"/>
<rect x="%s" y="%s" width="30" height="18" rx="3" class="state-inner"/>
<text x="%s" y="%s">completed:</text>
<text x="%s" y="%s">never changes</text>
<text x="%s" y="%s">again</text>
</g>
</svg>`, num(keyX), num(ky), num(keyX+3), num(ky+3), num(keyX+44), num(ky+10), num(keyX+44), num(ky+24), num(keyX+44), num(ky+38))
	return b.String()
}

// machineWords says what the picture shows, for screen readers and as its tooltip.
func machineWords(machines ...*smMachine) string {
	parts := []string{"The states an export request and each of its tables go through, and the moves between them."}
	for _, m := range machines {
		var moves []string
		for _, t := range m.Moves {
			moves = append(moves, string(t.From)+" → "+string(t.To))
		}
		parts = append(parts, m.Heading+": "+strings.Join(moves, ", ")+".")
	}
	parts = append(parts, "A state with a double border is completed: it never changes again.")
	return strings.Join(parts, " ")
}

func esc(s string) string { return html.EscapeString(s) }

// num writes a coordinate with at most one decimal.
func num(f float64) string { return fmt.Sprintf("%g", round1(f)) }

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
