package report

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/internal/evidence"
	"github.com/conform-harness/conform/oracle"
)

// Geometry of a timeline picture, in SVG user units. The picture scales to its box; on a narrow
// screen its box scrolls sideways instead of shrinking the text below legibility.
const (
	tlWidth    = 760
	tlLabelW   = 176 // the column of row names
	tlPlotX    = tlLabelW + 8
	tlPlotW    = tlWidth - tlPlotX - 16
	tlTop      = 24 // room for the cancel marker's label
	tlRowH     = 22
	tlBarH     = 14
	tlGroupGap = 20 // room for the cancel label of the next request
	tlAxisH    = 30
	tlMaxLabel = 20 // characters of a row name shown; the whole name is in its tooltip
)

// timelineView is one scenario's picture: a row per request and per item, a segment per run of
// equal progress values, a tick per observation, a marker where the cancel was sent, and a mark
// on each observation that broke an invariant.
type timelineView struct {
	Width, Height int
	AxisY         float64
	PlotX, PlotW  float64
	Rows          []tlRow
	Separators    []float64 // y of a line between two requests
	Ticks         []tlTick
	Cancels       []tlMarker
	Breaches      []tlBreach // marks on the observations that broke an invariant
	Legend        []string
	Sequences     []string // per request, its progress values in the order seen, in words
	Summary       string   // the picture in words, for screen readers and as its title
}

type tlRow struct {
	Label    string
	Full     string
	Request  bool
	Y        float64 // top of the row
	BarY     float64
	TextY    float64
	Segments []tlSegment
	Polls    []float64 // x of each observation, on request rows
	Empty    string    // said instead of segments when nothing was observed
}

type tlSegment struct {
	X, W     float64
	Progress string
	Class    string
	Title    string
}

type tlTick struct {
	X      float64
	Label  string
	Anchor string // text-anchor: the last label ends at the axis's end rather than past it
}

type tlMarker struct {
	X, Y1, Y2 float64
	LabelX    float64 // kept inside the plot
	LabelY    float64
	Title     string
}

// tlBreach marks one observation that broke invariants: a badge over the request's bar at the
// observation, with the invariants' numbers on it and their names in its title.
type tlBreach struct {
	X, Y  float64 // the badge's top-left corner
	W     float64
	TextX float64
	TextY float64
	Label string // the invariants' numbers, "2, 4"
	Title string // which document broke which invariants, in words; also the legend's line
}

// newTimelineView lays out tl. Time runs from the earliest instant it holds (an observation or
// a cancel); the last observation of each row lasts to the end of the axis, which is a tenth
// longer than the observed span so that it shows. A single instant gets an axis of one second.
// An observation is marked as broken when a breach names it: its Seq is the breach's
// Current.Seq, and the breach is about its request (or names none).
func newTimelineView(tl evidence.Timeline, breaches []evidence.Breach) *timelineView {
	var t0, t1 time.Time
	see := func(t time.Time) {
		if t.IsZero() {
			return
		}
		if t0.IsZero() || t.Before(t0) {
			t0 = t
		}
		if t.After(t1) {
			t1 = t
		}
	}
	for _, rt := range tl.Requests {
		for _, o := range rt.Observations {
			see(o.At)
		}
		if rt.CancelSentAt != nil {
			see(*rt.CancelSentAt)
		}
	}
	span := t1.Sub(t0)
	domain := time.Second
	if span > 0 {
		domain = span + span/9
	}
	v := &timelineView{Width: tlWidth, PlotX: tlPlotX, PlotW: tlPlotW}
	x := func(t time.Time) float64 {
		return round1(tlPlotX + float64(t.Sub(t0))/float64(domain)*tlPlotW)
	}
	end := float64(tlPlotX + tlPlotW)

	seen := map[string]bool{}
	y := float64(tlTop)
	var words []string
	for i, rt := range tl.Requests {
		if i > 0 {
			v.Separators = append(v.Separators, y+3)
			y += tlGroupGap
		}
		req := newRow(rt.ID, true, y)
		var values []string
		for _, o := range rt.Observations {
			values = append(values, o.Progress)
		}
		req.Segments = segments(rt.Observations, func(o evidence.Snapshot) (string, bool) { return o.Progress, true }, x, end)
		for _, o := range rt.Observations {
			req.Polls = append(req.Polls, x(o.At))
			if mark, ok := breachMark(rt.ID, o, breaches, x(o.At), req.BarY, axisLabel(o.At.Sub(t0), domain)); ok {
				v.Breaches = append(v.Breaches, mark)
			}
		}
		if len(rt.Observations) == 0 {
			req.Empty = "no status document seen"
		}
		v.Rows = append(v.Rows, req)
		first := len(v.Rows) - 1
		y += tlRowH
		for _, name := range itemNames(rt.Observations) {
			row := newRow(name, false, y)
			row.Segments = segments(rt.Observations, func(o evidence.Snapshot) (string, bool) {
				for _, it := range o.Items {
					if it.Name == name {
						return it.Progress, true
					}
				}
				return "", false
			}, x, end)
			v.Rows = append(v.Rows, row)
			y += tlRowH
		}
		for _, r := range v.Rows[first:] {
			for _, s := range r.Segments {
				seen[s.Progress] = true
			}
		}
		seq := strings.Join(compact(values), " → ")
		if len(values) == 0 {
			seq = req.Empty
		}
		w := fmt.Sprintf("request %s: %s", rt.ID, seq)
		if rt.CancelSentAt != nil {
			cx := x(*rt.CancelSentAt)
			title := fmt.Sprintf("cancel of request %s sent at %s", rt.ID, axisLabel(rt.CancelSentAt.Sub(t0), domain))
			top := v.Rows[first].Y
			v.Cancels = append(v.Cancels, tlMarker{
				X: cx, Y1: top - 3, Y2: y, Title: title,
				LabelX: min(max(cx, tlPlotX+22), tlPlotX+tlPlotW-22), LabelY: top - 6,
			})
			w += fmt.Sprintf("; cancel sent at %s", axisLabel(rt.CancelSentAt.Sub(t0), domain))
		}
		words = append(words, w)
	}
	v.AxisY = y + 4
	v.Height = int(y) + tlAxisH
	for _, d := range ticks(domain) {
		tx := round1(tlPlotX + float64(d)/float64(domain)*tlPlotW)
		anchor := "middle"
		if tx > tlPlotX+tlPlotW-24 {
			anchor = "end"
		}
		v.Ticks = append(v.Ticks, tlTick{X: tx, Label: axisLabel(d, domain), Anchor: anchor})
	}
	for _, p := range export.Progresses() {
		if seen[string(p)] {
			v.Legend = append(v.Legend, string(p))
		}
	}
	var others []string
	for p := range seen {
		if !export.Progress(p).Known() {
			others = append(others, p)
		}
	}
	slices.Sort(others)
	v.Legend = append(v.Legend, others...)
	v.Sequences = words
	v.Summary = "Progress observed over time. " + strings.Join(words, ". ") + "."
	for _, b := range v.Breaches {
		v.Summary += " " + b.Title + "."
	}
	return v
}

// breachMark returns the mark of observation o of request id, at x on a bar whose top is barY,
// when breaches name it; at says when it was seen, as the axis does.
func breachMark(id string, o evidence.Snapshot, breaches []evidence.Breach, x, barY float64, at string) (tlBreach, bool) {
	if o.Seq <= 0 { // the oracle numbers documents from 1: 0 is a number nobody recorded
		return tlBreach{}, false
	}
	var numbers, names []string
	for _, b := range breaches {
		if b.Current.Seq != o.Seq || (b.Request != "" && b.Request != id) {
			continue
		}
		n := strconv.Itoa(b.Invariant)
		if slices.Contains(numbers, n) {
			continue
		}
		numbers = append(numbers, n)
		name := b.Name
		if name == "" {
			name = oracle.InvariantName(b.Invariant)
		}
		names = append(names, fmt.Sprintf("invariant %d (%s)", b.Invariant, name))
	}
	if len(numbers) == 0 {
		return tlBreach{}, false
	}
	label := strings.Join(numbers, ", ")
	w := round1(8 + 6.5*float64(len(label)))
	cx := min(max(x, tlPlotX+w/2), tlPlotX+tlPlotW-w/2)
	return tlBreach{
		X: round1(cx - w/2), Y: barY - 2, W: w, TextX: round1(cx), TextY: barY + 11, Label: label,
		Title: fmt.Sprintf("request %s, document #%d seen at %s, broke %s", id, o.Seq, at, joinWords(names)),
	}, true
}

// joinWords joins a list as a sentence does: "a", "a and b", "a, b and c".
func joinWords(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}

// newRow starts the row of a request (named by its id) or of an item.
func newRow(name string, request bool, y float64) tlRow {
	r := tlRow{Full: name, Label: name, Request: request, Y: y, BarY: y + (tlRowH-tlBarH)/2, TextY: y + tlRowH/2 + 4}
	limit := tlMaxLabel
	if request {
		limit -= len("request ") + 2 // bold
	}
	if n := []rune(name); len(n) > limit {
		r.Label = string(n[:limit-1]) + "…"
	}
	if request {
		r.Label, r.Full = "request "+r.Label, "request "+r.Full
	}
	return r
}

// segments turns the observations into runs of equal values; value reports an observation's
// value for this row, or false when the row is absent from it (a gap).
func segments(obs []evidence.Snapshot, value func(evidence.Snapshot) (string, bool), x func(time.Time) float64, end float64) []tlSegment {
	var out []tlSegment
	var cur *tlSegment
	n := 0
	for i, o := range obs {
		v, ok := value(o)
		stop := end
		if i+1 < len(obs) {
			stop = max(x(obs[i+1].At), x(o.At))
		}
		if !ok {
			cur = nil
			continue
		}
		if cur != nil && cur.Progress == v {
			cur.W = round1(stop - cur.X)
			n++
			cur.Title = fmt.Sprintf("%s (%d observations)", v, n)
			continue
		}
		out = append(out, tlSegment{X: x(o.At), W: round1(stop - x(o.At)), Progress: v, Class: progressClass(v), Title: v})
		cur, n = &out[len(out)-1], 1
	}
	for i := range out {
		out[i].W = max(out[i].W, 1.5) // an instant still shows
	}
	return out
}

// itemNames lists the items of a request in the order they were first seen.
func itemNames(obs []evidence.Snapshot) []string {
	var names []string
	for _, o := range obs {
		for _, it := range o.Items {
			if !slices.Contains(names, it.Name) {
				names = append(names, it.Name)
			}
		}
	}
	return names
}

// compact drops repeats that follow each other.
func compact(values []string) []string {
	return slices.Compact(slices.Clone(values))
}

// progressClass is the CSS class that colours a progress value; values the vendor does not
// define share one.
func progressClass(p string) string {
	if export.Progress(p).Known() {
		return "p-" + p
	}
	return "p-other"
}

// ticks returns round instants from 0 to domain, four to ten of them.
func ticks(domain time.Duration) []time.Duration {
	step := niceStep(domain / 6)
	var out []time.Duration
	for d := time.Duration(0); d <= domain; d += step {
		out = append(out, d)
	}
	return out
}

// niceStep rounds d up to 1, 2 or 5 times a power of ten nanoseconds.
func niceStep(d time.Duration) time.Duration {
	if d <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(float64(d))))
	for _, m := range []float64{1, 2, 5, 10} {
		if float64(d) <= m*p {
			return time.Duration(m * p)
		}
	}
	return time.Duration(10 * p)
}

// axisLabel writes d in the unit that suits an axis of the given length.
func axisLabel(d, domain time.Duration) string {
	if d == 0 {
		return "0"
	}
	switch {
	case domain >= 2*time.Minute:
		return fmt.Sprintf("%g min", round3(d.Minutes()))
	case domain >= time.Second:
		return fmt.Sprintf("%g s", round3(d.Seconds()))
	case domain >= time.Millisecond:
		return fmt.Sprintf("%g ms", round3(float64(d)/float64(time.Millisecond)))
	default:
		return fmt.Sprintf("%g µs", round3(float64(d)/float64(time.Microsecond)))
	}
}

func round1(f float64) float64 { return math.Round(f*10) / 10 }
func round3(f float64) float64 { return math.Round(f*1000) / 1000 }
