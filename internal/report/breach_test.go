package report

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	messages "github.com/cucumber/messages/go/v34"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/internal/evidence"
	"github.com/conform-harness/conform/oracle"
)

// goneBack is the status of request 12345 with the given progress values, as the target sends it.
func goneBack(progress, refnum string) string {
	return fmt.Sprintf(`{
  "progress": %q,
  "completed": %t,
  "result": {"body": {"requestID": 12345, "tables": {"items": [
    {"itemID": 1, "itemName": "SHIPMENT", "progress": "succeeded", "parts": {"count": 1, "items": [{"partName": "DATA_12345_SHIPMENT_1_1.csv", "recordCount": 92, "checksum": "c9179dae8947cb56abaed4f6c2ea09b3"}]}},
    {"itemID": 2, "itemName": "REFNUM", "progress": %q, "parts": {"count": 0, "items": []}}
  ]}}}
}`, progress, export.Progress(progress).Terminal(), refnum)
}

// breachStream is a run of sampleFeature's first scenario against a target that goes back on a
// cancellation: after showing the request cancelled, its third status document shows it
// processing again. The oracle judges the documents as the steps do, and each breach it reports
// is attached, as evidence.Breach JSON, to the step that saw the document: the last one, which
// fails. It returns the stream and the breaches.
func breachStream(t testing.TB) ([]*messages.Envelope, []evidence.Breach) {
	t.Helper()
	b := &streamBuilder{t: t}
	pickles := b.feature("features/cancel.feature", sampleFeature)
	b.add(&messages.Envelope{TestRunStarted: &messages.TestRunStarted{Id: b.ids.NewId(), Timestamp: ts(epoch)}})

	base := "http://127.0.0.1:41234/logisticsRestApi/data/v1"
	type seen struct {
		method, path, body string
		at                 time.Time
	}
	docs := []seen{
		{"POST", "/custom-actions/cancel/exportRequests/12345", goneBack("cancelling", "pending"), epoch.Add(30 * time.Millisecond)},
		{"GET", "/exportStatuses/12345", goneBack("cancelled", "cancelled"), epoch.Add(1030 * time.Millisecond)},
		{"GET", "/exportStatuses/12345", goneBack("processing", "processing"), epoch.Add(2030 * time.Millisecond)},
	}
	o := oracle.New()
	var exchanges []*messages.Attachment
	var timeline evidence.RequestTimeline
	timeline.ID = "12345"
	timeline.CancelSentAt = &docs[0].at
	var found []evidence.Breach
	var failure []string
	for i, d := range docs {
		seq := i + 1
		call := evidence.Call{Seq: seq, At: d.at, Method: d.method, URL: base + d.path, Status: 200, ResponseBody: d.body, Verdict: evidence.Conforms}
		exchanges = append(exchanges, jsonAttachment(t, evidence.ExchangeMediaType, call, messages.AttachmentContentEncoding_IDENTITY))
		var doc export.Status
		require.NoError(t, json.Unmarshal([]byte(d.body), &doc))
		snap := evidence.Snapshot{Seq: seq, At: d.at, Progress: string(doc.Progress), Completed: doc.Completed}
		for _, it := range doc.Items() {
			snap.Items = append(snap.Items, evidence.ItemState{Name: it.ItemName, Progress: string(it.Progress)})
		}
		timeline.Observations = append(timeline.Observations, snap)
		obs := oracle.Observation{Seq: seq, At: d.at, Source: fmt.Sprintf("%s %s → 200", d.method, call.URL), Doc: doc, Raw: []byte(d.body)}
		for _, v := range o.Observe("12345", obs) {
			found = append(found, v.Evidence("12345"))
			failure = append(failure, v.Error())
		}
	}
	require.Equal(t, []int{2, 3}, []int{found[0].Invariant, found[1].Invariant}, "the target broke what the test is about")

	last := []*messages.Attachment{exchanges[1], exchanges[2]}
	for _, br := range found {
		last = append(last, jsonAttachment(t, evidence.BreachMediaType, br, messages.AttachmentContentEncoding_IDENTITY))
	}
	last = append(last, jsonAttachment(t, evidence.TimelineMediaType, evidence.Timeline{Requests: []evidence.RequestTimeline{timeline}}, messages.AttachmentContentEncoding_IDENTITY))
	pass := stepRun{status: messages.TestStepResultStatus_PASSED}
	b.testCase(pickles[0], epoch, []stepRun{
		pass,
		pass,
		{status: messages.TestStepResultStatus_PASSED, attach: exchanges[:1]},
		pass,
		{status: messages.TestStepResultStatus_FAILED, message: "2 violation(s):\n- " + strings.Join(failure, "\n- "), attach: last},
	})
	b.add(&messages.Envelope{TestRunFinished: &messages.TestRunFinished{Success: false, Timestamp: ts(epoch.Add(3 * time.Second))}})
	return b.envs, found
}

func TestBreachBesideItsStepAndOnTheTimeline(t *testing.T) {
	envs, found := breachStream(t)
	out := render(t, envs, sampleInfo)
	doc := parse(t, out)
	requireSelfContained(t, doc, out)
	require.Equal(t, "2", textOf(first(byID(doc, "summary"), hasClass("breach-count"))), "the summary counts the breaches")

	steps := all(doc, hasClass("step"))
	require.Len(t, steps, 5)
	for _, st := range steps[:4] {
		require.Empty(t, all(st, hasClass("breach")), "a breach shows beside the step that saw it, and only there")
	}
	breaches := all(steps[4], hasClass("breach"))
	require.Len(t, breaches, 2)
	for i, section := range breaches {
		want := found[i]
		head := squash(textOf(first(section, hasClass("breach-head"))))
		require.Equal(t, fmt.Sprintf("invariant %d %s request 12345", want.Invariant, want.Name), head)
		name := first(section, hasClass("breach-name"))
		require.Equal(t, "#invariant-"+strconv.Itoa(want.Invariant), attr(name, "href"), "the name links to the invariant in the list")
		require.NotNil(t, byID(doc, "invariant-"+strconv.Itoa(want.Invariant)))
		require.Equal(t, want.Message, textOf(first(section, hasClass("breach-message"))))

		sightings := all(section, hasClass("sighting"))
		require.Len(t, sightings, 2, "the earlier document and the one that broke the invariant")
		for j, s := range []evidence.Sighting{*want.Previous, want.Current} {
			text := squash(textOf(sightings[j]))
			require.Contains(t, text, fmt.Sprintf("document #%d", s.Seq))
			require.Contains(t, text, s.Source)
			when := first(sightings[j], tag("time"))
			require.NotNil(t, when, "when it was seen")
			require.Equal(t, s.At.Format(time.RFC3339Nano), attr(when, "datetime"))
			require.Equal(t, s.At.Format("2006-01-02 15:04:05.000 UTC"), textOf(when))
			require.Equal(t, s.Body, textOf(first(sightings[j], hasClass("document"))))
		}
		require.Contains(t, attr(sightings[0], "class"), "previous")
		require.Contains(t, attr(sightings[1], "class"), "current")
	}
	require.Contains(t, textOf(first(all(breaches[0], hasClass("sighting"))[0], hasClass("document"))), `"progress": "cancelled"`)
	require.Contains(t, textOf(first(all(breaches[0], hasClass("sighting"))[1], hasClass("document"))), `"progress": "processing"`)
	require.Contains(t, textOf(first(all(breaches[1], hasClass("sighting"))[0], hasClass("document"))), `"progress": "cancelling"`,
		"invariant 3 is broken against the last cancelling document")

	t.Run("the timeline marks the offending observation", func(t *testing.T) {
		svg := first(doc, func(n *html.Node) bool { return n.Data == "svg" && hasClass("timeline")(n) })
		require.NotNil(t, svg)
		marks := all(svg, hasClass("breach-mark"))
		require.Len(t, marks, 1, "both invariants were broken by one document")
		title := titleText(first(marks[0], tag("title")))
		require.Contains(t, title, "request 12345, document #3")
		require.Contains(t, title, "invariant 2 (completed-is-final)")
		require.Contains(t, title, "invariant 3 (cancelling-leads-to-cancelled)")
		require.Equal(t, "2, 3", textOf(first(marks[0], hasClass("breach-label"))))

		// It sits on the third status document's tick of the request's row.
		row := first(svg, hasClass("request-row"))
		polls := all(row, hasClass("poll"))
		require.Len(t, polls, 3)
		require.Equal(t, attr(polls[2], "x1"), attr(first(marks[0], hasClass("breach-label")), "x"))
		badge := first(marks[0], hasClass("breach-badge"))
		x, err := strconv.ParseFloat(attr(badge, "x"), 64)
		require.NoError(t, err)
		w, err := strconv.ParseFloat(attr(badge, "width"), 64)
		require.NoError(t, err)
		tick, err := strconv.ParseFloat(attr(polls[2], "x1"), 64)
		require.NoError(t, err)
		require.InDelta(t, tick, x+w/2, 0.1)

		legend := all(doc, hasClass("breach-legend"))
		require.Len(t, legend, 1)
		require.Equal(t, squash(textOf(legend[0])), "2, 3 "+title, "the legend says it in words")
		require.Contains(t, attr(svg, "aria-label"), title)
	})

	t.Run("redacted like the rest of the page", func(t *testing.T) {
		info := sampleInfo
		info.Redact = func(s string) string { return strings.ReplaceAll(s, "c9179dae8947cb56abaed4f6c2ea09b3", "[REDACTED]") }
		redacted := parse(t, render(t, envs, info))
		for _, section := range all(redacted, hasClass("breach")) {
			require.NotContains(t, textOf(section), "c9179dae")
			require.Contains(t, textOf(section), "[REDACTED]")
		}
	})
}

func TestBreachAttachmentsThatDoNotFit(t *testing.T) {
	at := epoch.Add(time.Second)
	unlisted := evidence.Breach{Invariant: 99, Name: "not-an-invariant", Message: "from a newer harness", Current: evidence.Sighting{Seq: 42, At: at, Source: "GET /x → 200"}}
	unrecorded := evidence.Breach{Invariant: 6, Name: "request-id-matches", Request: "777", Message: "no result body", Current: evidence.Sighting{Source: "GET /y → 200"}}
	broken := &messages.Attachment{MediaType: evidence.BreachMediaType, Body: `{"invariant": "two"}`, FileName: "breach.json"}

	b := &streamBuilder{t: t}
	pickles := b.feature("features/cancel.feature", sampleFeature)
	tl := evidence.Timeline{Requests: []evidence.RequestTimeline{{ID: "777", Observations: []evidence.Snapshot{{Seq: 0, At: at, Progress: "processing"}}}}}
	b.testCase(pickles[1], epoch, []stepRun{
		{status: messages.TestStepResultStatus_PASSED},
		{status: messages.TestStepResultStatus_PASSED},
		{status: messages.TestStepResultStatus_PASSED},
		{status: messages.TestStepResultStatus_FAILED, attach: []*messages.Attachment{
			jsonAttachment(t, evidence.BreachMediaType, unlisted, messages.AttachmentContentEncoding_BASE64),
			jsonAttachment(t, evidence.BreachMediaType, unrecorded, messages.AttachmentContentEncoding_IDENTITY),
			broken,
			jsonAttachment(t, evidence.TimelineMediaType, tl, messages.AttachmentContentEncoding_IDENTITY),
		}},
		{status: messages.TestStepResultStatus_SKIPPED},
	})
	doc := parse(t, render(t, b.envs, Info{}))

	breaches := all(doc, hasClass("breach"))
	require.Len(t, breaches, 2)
	require.Equal(t, "invariant 99 not-an-invariant", squash(textOf(first(breaches[0], hasClass("breach-head")))))
	require.Equal(t, "span", first(breaches[0], hasClass("breach-name")).Data, "an invariant the page does not list is not linked")
	require.Len(t, all(breaches[0], hasClass("sighting")), 1, "no earlier document")
	require.Contains(t, squash(textOf(breaches[0])), "No body.")
	seen := squash(textOf(first(breaches[1], hasClass("seen"))))
	require.Equal(t, "GET /y → 200, seen at a time not recorded", seen)
	require.NotContains(t, squash(textOf(breaches[1])), "#0", "a document nobody numbered")

	notes := all(doc, hasClass("note"))
	require.Len(t, notes, 1)
	require.Contains(t, textOf(notes[0]), "breach.json: unreadable invariant breach: ")

	svg := first(doc, func(n *html.Node) bool { return n.Data == "svg" && hasClass("timeline")(n) })
	require.NotNil(t, svg)
	require.Empty(t, all(svg, hasClass("breach-mark")), "no observation has the breaches' numbers: Seq 0 is unrecorded, not a match")
}

// titleText is the text of a <title>, which textOf leaves out as a page does.
func titleText(n *html.Node) string {
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	}
	return b.String()
}
