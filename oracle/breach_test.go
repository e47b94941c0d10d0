package oracle

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestViolationErrorShowsBothDocuments(t *testing.T) {
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

func TestViolationErrorPrefersRawBody(t *testing.T) {
	raw := "{\n  \"progress\": \"processing\",\n  \"completed\": true\n}"
	vs := CheckDocument(asked, Observation{Seq: 3, Source: "GET /exportStatuses/12345 → 200", Doc: decode(t, raw), Raw: []byte(raw)})
	require.Equal(t, []int{1, 6}, invariants(vs))
	msg := vs[0].Error()
	require.True(t, strings.HasPrefix(msg, "invariant 1 (valid-progress) violated: completed is true"), msg)
	require.Contains(t, msg, `{"progress":"processing","completed":true}`, "the raw body, compacted")
	require.Contains(t, msg, "current document #3, GET /exportStatuses/12345 → 200, seen time not recorded")
	require.NotContains(t, msg, "previous document", "a single-document invariant has no previous document")
}

func TestViolationErrorQuotesBodiesThatAreNotJSON(t *testing.T) {
	v := newViolation(InvariantRequestIDMatches, Observation{Raw: []byte("<html>\nbad gateway")}, nil, "document has no result body")
	msg := v.Error()
	require.Contains(t, msg, `"<html>\nbad gateway" (not JSON)`)
	require.Contains(t, msg, "source not recorded")
	require.Len(t, strings.Split(msg, "\n"), 3, "the body stays on one line:\n%s", msg)
}

func TestInvariantNames(t *testing.T) {
	seen := map[string]bool{}
	for n := 1; n <= 7; n++ {
		name := InvariantName(n)
		require.NotEmpty(t, name, "invariant %d", n)
		require.False(t, seen[name], "names must be distinct: %s", name)
		seen[name] = true
	}
	require.Equal(t, "completed-is-final", InvariantName(InvariantCompletedIsFinal))
	require.Empty(t, InvariantName(0))
	require.Empty(t, InvariantName(8))
}
