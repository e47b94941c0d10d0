package report

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/internal/evidence"
)

// requireInPlot fails when a segment or marker of v lies outside the plot area.
func requireInPlot(t testing.TB, v *timelineView) {
	t.Helper()
	end := v.PlotX + v.PlotW
	for _, r := range v.Rows {
		for _, s := range r.Segments {
			require.GreaterOrEqual(t, s.X, v.PlotX, "%+v", s)
			require.LessOrEqual(t, s.X+s.W, end+1.5, "%+v", s)
			require.Positive(t, s.W)
		}
		for _, x := range r.Polls {
			require.True(t, x >= v.PlotX && x <= end, "poll at %v", x)
		}
	}
	for _, c := range v.Cancels {
		require.True(t, c.X >= v.PlotX && c.X <= end, "cancel at %v", c.X)
	}
	require.GreaterOrEqual(t, len(v.Ticks), 2)
	require.LessOrEqual(t, len(v.Ticks), 11)
	for _, tk := range v.Ticks {
		require.True(t, tk.X >= v.PlotX && tk.X <= end, "tick at %v", tk.X)
	}
}

func TestTimelineOneObservation(t *testing.T) {
	v := newTimelineView(evidence.Timeline{Requests: []evidence.RequestTimeline{{
		ID: "1", Observations: []evidence.Snapshot{{At: epoch, Progress: "succeeded", Completed: true,
			Items: []evidence.ItemState{{Name: "SHIPMENT", Progress: "succeeded"}}}},
	}}}, nil)
	requireInPlot(t, v)
	require.Len(t, v.Rows, 2)
	for _, r := range v.Rows {
		require.Len(t, r.Segments, 1)
		require.Equal(t, v.PlotX, r.Segments[0].X)
		require.Equal(t, v.PlotW, r.Segments[0].W, "a lone observation fills the axis")
	}
	require.Equal(t, []string{"succeeded"}, v.Legend)
	require.Equal(t, "0", v.Ticks[0].Label)
	require.Equal(t, "1 s", v.Ticks[len(v.Ticks)-1].Label)
	require.Equal(t, "end", v.Ticks[len(v.Ticks)-1].Anchor, "the last label does not run past the axis")
}

func TestTimelineHundredObservations(t *testing.T) {
	var obs []evidence.Snapshot
	cancelAt := epoch.Add(50*time.Second + 500*time.Millisecond)
	for i := range 100 {
		p := "processing"
		switch {
		case i < 10:
			p = "pending"
		case i > 50 && i < 99:
			p = "cancelling"
		case i == 99:
			p = "cancelled"
		}
		item := evidence.ItemState{Name: "T", Progress: "processing"}
		if i == 99 {
			item.Progress = "cancelled"
		}
		obs = append(obs, evidence.Snapshot{Seq: i, At: epoch.Add(time.Duration(i) * time.Second), Progress: p, Items: []evidence.ItemState{item}})
	}
	v := newTimelineView(evidence.Timeline{Requests: []evidence.RequestTimeline{{ID: "7", CancelSentAt: &cancelAt, Observations: obs}}}, nil)
	requireInPlot(t, v)
	req := v.Rows[0]
	require.Len(t, req.Polls, 100)
	var got []string
	for _, s := range req.Segments {
		got = append(got, s.Progress)
	}
	require.Equal(t, []string{"pending", "processing", "cancelling", "cancelled"}, got, "equal neighbours are one segment")
	require.Equal(t, "pending (10 observations)", req.Segments[0].Title)
	require.Len(t, v.Cancels, 1)
	require.InDelta(t, v.PlotX+v.PlotW*50.5/110, v.Cancels[0].X, 0.2, "the cancel sits at its time")
	require.Equal(t, "80 s", v.Ticks[len(v.Ticks)-2].Label)
	require.Equal(t, []string{"request 7: pending → processing → cancelling → cancelled; cancel sent at 50.5 s"}, v.Sequences)
}

func TestTimelineGapsRequestsAndStrangeValues(t *testing.T) {
	cancelAt := epoch.Add(-time.Second) // the cancel's answer had no body: it is the first instant
	v := newTimelineView(evidence.Timeline{Requests: []evidence.RequestTimeline{
		{ID: "a", Observations: []evidence.Snapshot{
			{At: epoch, Progress: "processing", Items: []evidence.ItemState{{Name: "X", Progress: "processing"}}},
			{At: epoch.Add(time.Second), Progress: "processing"}, // X missing: a gap
			{At: epoch.Add(2 * time.Second), Progress: "sideways", Items: []evidence.ItemState{{Name: "X", Progress: "processing"}}},
		}},
		{ID: "b", CancelSentAt: &cancelAt},
	}}, nil)
	requireInPlot(t, v)
	require.Len(t, v.Rows, 3, "request a, its item X, request b")
	require.Len(t, v.Rows[1].Segments, 2, "the item's gap splits it")
	require.Equal(t, "p-other", v.Rows[0].Segments[1].Class)
	require.Equal(t, []string{"processing", "sideways"}, v.Legend)
	require.Equal(t, "no status document seen", v.Rows[2].Empty)
	require.Len(t, v.Separators, 1)
	require.Equal(t, v.PlotX, v.Cancels[0].X)
	require.Greater(t, v.Cancels[0].Y1, v.Rows[1].Y, "b's marker spans b's rows only")
	require.Equal(t, []string{
		"request a: processing → sideways",
		"request b: no status document seen; cancel sent at 0",
	}, v.Sequences)
}

func TestTimelineLongNamesAreCut(t *testing.T) {
	long := "A_TABLE_NAME_LONGER_THAN_THE_COLUMN"
	v := newTimelineView(evidence.Timeline{Requests: []evidence.RequestTimeline{{
		ID:           "99999999999999999999999999999999999999999999999999",
		Observations: []evidence.Snapshot{{At: epoch, Progress: "pending", Items: []evidence.ItemState{{Name: long, Progress: "pending"}}}},
	}}}, nil)
	require.Equal(t, "request 999999999…", v.Rows[0].Label)
	require.Equal(t, "request 99999999999999999999999999999999999999999999999999", v.Rows[0].Full)
	require.Equal(t, "A_TABLE_NAME_LONGER…", v.Rows[1].Label)
	require.Equal(t, long, v.Rows[1].Full)
}

func TestAxisLabelsAndSteps(t *testing.T) {
	tests := []struct {
		d, domain time.Duration
		want      string
	}{
		{0, time.Hour, "0"},
		{90 * time.Second, 10 * time.Minute, "1.5 min"},
		{1500 * time.Millisecond, 5 * time.Second, "1.5 s"},
		{250 * time.Millisecond, time.Second, "0.25 s"},
		{20 * time.Millisecond, 100 * time.Millisecond, "20 ms"},
		{300 * time.Microsecond, 900 * time.Microsecond, "300 µs"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.d, "/", tt.domain), func(t *testing.T) {
			require.Equal(t, tt.want, axisLabel(tt.d, tt.domain))
		})
	}
	for _, d := range []time.Duration{1, 7 * time.Millisecond, 3 * time.Second, 45 * time.Minute} {
		n := len(ticks(d))
		require.True(t, n >= 2 && n <= 8, "%v gives %d ticks", d, n)
	}
}

func TestTimelineMarksBrokenObservations(t *testing.T) {
	snap := func(seq int, p string) evidence.Snapshot {
		return evidence.Snapshot{Seq: seq, At: epoch.Add(time.Duration(seq) * time.Second), Progress: p}
	}
	breach := func(request string, seq, invariant int, name string) evidence.Breach {
		return evidence.Breach{Invariant: invariant, Name: name, Request: request, Current: evidence.Sighting{Seq: seq}}
	}
	v := newTimelineView(evidence.Timeline{Requests: []evidence.RequestTimeline{
		{ID: "a", Observations: []evidence.Snapshot{snap(1, "succeeded"), snap(3, "processing")}},
		{ID: "b", Observations: []evidence.Snapshot{snap(2, "pending"), snap(4, "processing")}},
	}}, []evidence.Breach{
		breach("a", 1, 6, "request-id-matches"), // the first instant, at the plot's left edge
		breach("a", 3, 2, "completed-is-final"),
		breach("a", 3, 7, ""), // the name comes from the oracle's list
		breach("a", 3, 7, "progress-moves-forward"),
		breach("a", 4, 1, "valid-progress"), // document 4 is b's, not a's
		breach("", 2, 5, "cancelled-has-no-running-items"),
	})
	requireInPlot(t, v)
	require.Len(t, v.Breaches, 3)
	var titles []string
	for _, b := range v.Breaches {
		titles = append(titles, b.Title)
		require.GreaterOrEqual(t, b.X, v.PlotX, "the badge stays in the plot")
		require.LessOrEqual(t, b.X+b.W, v.PlotX+v.PlotW)
	}
	require.Equal(t, []string{
		"request a, document #1 seen at 0, broke invariant 6 (request-id-matches)",
		"request a, document #3 seen at 2 s, broke invariant 2 (completed-is-final) and invariant 7 (progress-moves-forward)",
		"request b, document #2 seen at 1 s, broke invariant 5 (cancelled-has-no-running-items)",
	}, titles)
	require.Equal(t, "2, 7", v.Breaches[1].Label)
	require.Equal(t, v.Rows[0].Polls[1], v.Breaches[1].TextX, "on the document's tick")
	require.Equal(t, v.Rows[0].BarY-2, v.Breaches[1].Y, "over the request's bar")
	require.Equal(t, v.Rows[1].BarY-2, v.Breaches[2].Y, "b's own bar")
	require.Contains(t, v.Summary, titles[1], "the picture in words says it too")
}
