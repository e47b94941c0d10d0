package oracle

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/internal/evidence"
)

func TestBreachErrorShowsBothDocuments(t *testing.T) {
	o := New()
	first := Observation{
		At:     time.Date(2022, 11, 29, 15, 22, 17, 123456789, time.UTC),
		Source: "GET /exportStatuses/12345 → 200",
		Doc:    decode(t, seedCancelled),
	}
	second := Observation{
		At:     time.Date(2022, 11, 29, 15, 23, 0, 5, time.UTC),
		Source: "GET /exportStatuses/12345 → 200 (second poll)",
		Doc:    with(decode(t, seedCancelled), setChecksum("deadbeef")),
	}
	require.Empty(t, o.Observe(asked, first))
	vs := o.Observe(asked, second)
	require.Equal(t, []int{2, 4}, invariants(vs))

	msg := vs[0].Error()
	lines := strings.Split(msg, "\n")
	require.True(t, strings.HasPrefix(lines[0], "invariant 2 (completed-is-final) violated: "), lines[0])
	require.Contains(t, lines[0], "checksum")
	for _, want := range []string{
		"previous document #1, GET /exportStatuses/12345 → 200, seen 2022-11-29T15:22:17.123456789Z",
		"current document #2, GET /exportStatuses/12345 → 200 (second poll), seen 2022-11-29T15:23:00.000000005Z",
		`"checksum":"c9179dae8947cb56abaed4f6c2ea09b3"`, // the previous document
		`"checksum":"deadbeef"`, // the current one
	} {
		require.Contains(t, msg, want)
	}
	require.Less(t, strings.Index(msg, "previous document"), strings.Index(msg, "current document"))
	require.Less(t, strings.Index(msg, "c9179dae"), strings.Index(msg, "deadbeef"), "each document follows its heading")
}

func TestBreachErrorPrefersRawBody(t *testing.T) {
	raw := "{\n  \"progress\": \"processing\",\n  \"completed\": true\n}"
	vs := CheckDocument(asked, Observation{Seq: 3, Source: "GET /exportStatuses/12345 → 200", Doc: decode(t, raw), Raw: []byte(raw)})
	require.Equal(t, []int{1, 6}, invariants(vs))
	msg := vs[0].Error()
	require.True(t, strings.HasPrefix(msg, "invariant 1 (valid-progress) violated: completed is true"), msg)
	require.Contains(t, msg, `{"progress":"processing","completed":true}`, "the raw body, compacted")
	require.Contains(t, msg, "current document #3, GET /exportStatuses/12345 → 200, seen time not recorded")
	require.NotContains(t, msg, "previous document", "a single-document invariant has no previous document")
}

func TestBreachErrorQuotesBodiesThatAreNotJSON(t *testing.T) {
	v := newBreach(InvariantRequestIDMatches, "", Observation{Raw: []byte("<html>\nbad gateway")}, nil, "document has no result body")
	msg := v.Error()
	require.Contains(t, msg, `"<html>\nbad gateway" (not JSON)`)
	require.Contains(t, msg, "source not recorded")
	require.Len(t, strings.Split(msg, "\n"), 3, "the body stays on one line:\n%s", msg)
}

func TestBreachEvidence(t *testing.T) {
	o := New()
	first := Observation{Seq: 4, At: t0, Source: "GET /exportStatuses/12345 → 200", Doc: decode(t, seedCancelled), Raw: []byte(seedCancelled)}
	second := Observation{Seq: 7, At: t0.Add(time.Second), Source: "GET /exportStatuses/12345 → 200", Doc: with(decode(t, seedCancelled), setChecksum("deadbeef"))}
	require.Empty(t, o.Observe(asked, first))
	vs := o.Observe(asked, second)
	require.Equal(t, []int{2, 4}, invariants(vs))

	got := vs[1].Evidence(asked)
	require.Equal(t, 4, got.Invariant)
	require.Equal(t, "settled-item-is-final", got.Name)
	require.Equal(t, "12345", got.Request)
	require.Equal(t, vs[1].Message, got.Message)
	require.Equal(t, 7, got.Current.Seq)
	require.Equal(t, t0.Add(time.Second), got.Current.At)
	require.Equal(t, "GET /exportStatuses/12345 → 200", got.Current.Source)
	require.Contains(t, got.Current.Body, "\"checksum\": \"deadbeef\"", "no raw body kept: the decoded document, pretty-printed")
	require.NotNil(t, got.Previous)
	require.Equal(t, 4, got.Previous.Seq)
	require.Equal(t, t0, got.Previous.At)
	require.Contains(t, got.Previous.Body, "\n  \"progress\": \"cancelled\"", "the raw body, pretty-printed")
	require.Contains(t, got.Previous.Body, "\"requestID\": 12345", "the raw body as sent, not re-encoded")

	// It travels as JSON, as the steps attach it.
	b, err := json.Marshal(got)
	require.NoError(t, err)
	var back evidence.Breach
	require.NoError(t, json.Unmarshal(b, &back))
	require.Equal(t, got, back)

	single := CheckDocument(asked, Observation{Seq: 1, Raw: []byte("\xff<html>"), Doc: decode(t, `{"progress":"processing"}`)})
	require.Equal(t, []int{6}, invariants(single))
	ev := single[0].Evidence(asked)
	require.Nil(t, ev.Previous, "a single-document invariant has no previous document")
	require.Equal(t, `"\xff<html>" (not UTF-8)`, ev.Current.Body)
	require.True(t, ev.Current.At.IsZero(), "time not recorded")
}

func TestBreachEvidenceCutsLongBodies(t *testing.T) {
	items := make([]export.Item, 2000)
	for j := range items {
		items[j] = item("", "ITEM_WITH_A_LONG_NAME", "bogus")
	}
	vs := CheckDocument(asked, observation(1, doc(succeeded, items...)))
	require.NotEmpty(t, vs)
	body := vs[0].Evidence(asked).Current.Body
	require.LessOrEqual(t, len(body), evidence.MaxBody+len("\n… (cut)"))
	require.True(t, strings.HasSuffix(body, "\n… (cut)"), body[len(body)-40:])
}
