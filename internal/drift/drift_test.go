package drift

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/judge"
	"github.com/conform-harness/conform/openapi"
)

const root = "https://vendor.example.com/logisticsRestApi/data/v1"

var t0 = time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)

// recording builds a Profile from exchanges judged as conform audit judges them.
type recording struct {
	tb      testing.TB
	v       *openapi.Validator
	history judge.Tracker
	p       *Profile
}

func newRecording(tb testing.TB, name string) *recording {
	tb.Helper()
	v, err := openapi.NewValidator()
	require.NoError(tb, err)
	return &recording{tb: tb, v: v, p: NewProfile(name)}
}

// add judges one exchange: method and path under root, answered status with header and body,
// at t0 plus at.
func (r *recording) add(method, path string, status int, header http.Header, body string, at time.Duration) {
	r.tb.Helper()
	req, err := http.NewRequest(method, root+path, nil)
	require.NoError(r.tb, err)
	req.SetBasicAuth("u", "p")
	var reqBody []byte
	if method == http.MethodPost && strings.HasSuffix(path, "/exportRequests") {
		reqBody = []byte(`{"tables":{"items":[{"tableName":"SHIPMENT"}]}}`)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Prefer", "respond-async")
	}
	if header == nil {
		header = http.Header{}
	}
	if body != "" && header.Get("Content-Type") == "" {
		header.Set("Content-Type", "application/json")
	}
	var b []byte
	if body != "" {
		b = []byte(body)
	}
	ex := judge.Judge(r.v, req, reqBody, status, header, b, t0.Add(at))
	r.p.Add(ex, r.history.Observe(ex.Origin(), ex).Breaches)
}

// doc is a status document of request id with one table.
func doc(id any, progress string, item string) string {
	completed := map[string]bool{"succeeded": true, "failed": true, "cancelled": true, "interrupted": true}[progress]
	idJSON, _ := json.Marshal(id)
	return fmt.Sprintf(`{"progress":%q,"startTime":{"value":"2026-11-30T10:00:00Z"},"completed":%t,"result":{"body":{"requestID":%s,"submitDate":"2026-11-30T10:00:00Z","tables":{"items":[%s]}}}}`,
		progress, completed, idJSON, item)
}

func item(progress, checksum, endTime string) string {
	if progress != "succeeded" {
		return fmt.Sprintf(`{"itemID":1,"itemName":"SHIPMENT","progress":%q,"parts":{"count":0,"items":[]}}`, progress)
	}
	part := `{"partName":"DATA_1.csv","recordCount":92`
	if checksum != "" {
		part += `,"checksum":"` + checksum + `"`
	}
	return fmt.Sprintf(`{"itemID":1,"itemName":"SHIPMENT","startTime":"2026-11-30T10:00:00Z","endTime":%q,"progress":"succeeded","parts":{"count":1,"items":[%s}]}}`, endTime, part)
}

// vendor is what a recording of the vendor's API shows, as each option changes it.
type vendor struct {
	idAsString   bool
	noChecksum   bool
	endNoSeconds bool
	cancel204    bool
	skipCancel   bool   // the cancel settles at once: cancelling is never seen
	header       string // a response header every answer carries
	mediaType    string
	notFound     string // the detail of a 404
	settleAfter  time.Duration
	links        bool // status documents carry links
}

// record writes the traffic of two export requests, one left to succeed and one cancelled.
func (v vendor) record(tb testing.TB, name string) *Profile {
	tb.Helper()
	r := newRecording(tb, name)
	h := func() http.Header {
		h := http.Header{}
		if v.mediaType != "" {
			h.Set("Content-Type", v.mediaType)
		}
		if v.header != "" {
			h.Set(v.header, "secret-header-value")
		}
		return h
	}
	doc := func(id any, progress, item string) string {
		d := doc(id, progress, item)
		if v.links {
			d = strings.TrimSuffix(d, "}") + `,"links":[{"rel":"self","href":"/logisticsRestApi/data/v1/exportStatuses/1"}]}`
		}
		return d
	}
	id := func(n int) any {
		if v.idAsString {
			return fmt.Sprint(n)
		}
		return n
	}
	checksum := "c9179dae8947cb56abaed4f6c2ea09b3"
	if v.noChecksum {
		checksum = ""
	}
	end := "2026-11-30T10:00:05Z"
	if v.endNoSeconds {
		end = "2026-11-30T10:05Z"
	}
	settle := v.settleAfter
	if settle == 0 {
		settle = time.Second
	}
	// 1000: created, polled, succeeds after 5 s.
	r.add(http.MethodPost, "/exportRequests", 202, h(), doc(id(1000), "pending", item("pending", "", "")), 0)
	r.add(http.MethodGet, "/exportStatuses/1000", 200, h(), doc(id(1000), "processing", item("processing", "", "")), time.Second)
	r.add(http.MethodGet, "/exportStatuses/1000", 200, h(), doc(id(1000), "succeeded", item("succeeded", checksum, end)), 5*time.Second)
	// 1001: created, cancelled, settles.
	r.add(http.MethodPost, "/exportRequests", 202, h(), doc(id(1001), "pending", item("pending", "", "")), 10*time.Second)
	r.add(http.MethodGet, "/exportStatuses/1001", 200, h(), doc(id(1001), "processing", item("processing", "", "")), 11*time.Second)
	cancelStatus := 200
	if v.cancel204 {
		cancelStatus = 204
	}
	ch := h()
	ch.Del("Content-Type")
	r.add(http.MethodPost, "/custom-actions/cancel/exportRequests/1001", cancelStatus, ch, "", 12*time.Second)
	if !v.skipCancel {
		r.add(http.MethodGet, "/exportStatuses/1001", 200, h(), doc(id(1001), "cancelling", item("processing", "", "")), 12*time.Second+100*time.Millisecond)
	}
	r.add(http.MethodGet, "/exportStatuses/1001", 200, h(), doc(id(1001), "cancelled", item("cancelled", "", "")), 12*time.Second+settle)
	// An unknown id.
	detail := v.notFound
	if detail == "" {
		detail = `export request "99999" does not exist`
	}
	detailJSON, err := json.Marshal(detail)
	require.NoError(tb, err)
	r.add(http.MethodGet, "/exportStatuses/99999", 404, h(), `{"title":"Not Found","status":404,"detail":`+string(detailJSON)+`}`, 20*time.Second)
	return r.p
}

// drifts returns the report's drifts as "group kind change subject before → after", one line
// each.
func drifts(r Report) []string {
	var out []string
	for _, g := range r.Groups {
		for _, d := range g.Drifts {
			out = append(out, fmt.Sprintf("%s %s %s %s %s → %s", g.Name, d.Kind, d.Change, d.Subject, d.Before, d.After))
		}
	}
	return out
}

var deadlines = Deadlines{CancelSettlesWithin: 30 * time.Second, ExportFinishesWithin: 2 * time.Minute}

func TestTheSameTrafficHasNoDrift(t *testing.T) {
	r := Compare(vendor{}.record(t, "a.har"), vendor{}.record(t, "b.har"), deadlines, Kinds())
	require.Empty(t, drifts(r))
	require.Zero(t, r.Failing)
	require.Equal(t, 2, r.Baseline.Requests, "1000 and 1001; 99999 names none")
	require.Equal(t, Stats{N: 1, P50: time.Second, P95: time.Second, P50ms: 1000, P95ms: 1000}, r.Timings[0].Before)
	require.Equal(t, Stats{N: 1, P50: 5 * time.Second, P95: 5 * time.Second, P50ms: 5000, P95ms: 5000}, r.Timings[1].Before,
		"the export left to run; the cancelled one is not counted")
}

// TestEachKindOfDrift: each change of the vendor's traffic is reported as its kind, and fails
// under the default --fail-on only when the contract forbids it.
func TestEachKindOfDrift(t *testing.T) {
	tests := []struct {
		name    string
		current vendor
		want    []string // lines of drifts
		failing int      // under DefaultFailOn
	}{
		{"id as a string", vendor{idAsString: true}, []string{
			"create form changed status document /result/body/requestID number → string",
			"status form changed status document /result/body/requestID number → string",
		}, 0},
		{"checksum left out", vendor{noChecksum: true}, []string{
			`status contract new getExportStatus: spec: response /result/body/tables/items/*/parts/items/*/checksum: response body doesn't match schema #/components/schemas/ExportStatus: property "checksum" is missing — → ×1`,
			"status field disappeared status document /result/body/tables/items/*/parts/items/*/checksum string → —",
		}, 1},
		{"links, reported once and not field by field", vendor{links: true}, []string{
			"create field appeared status document /links — → array",
			"status field appeared status document /links — → array",
		}, 0},
		{"a date without seconds", vendor{endNoSeconds: true}, []string{
			"status form changed status document /result/body/tables/items/*/endTime string, date-time YYYY-MM-DDThh:mm:ssZ → string, date-time YYYY-MM-DDThh:mmZ",
		}, 0},
		{"cancel answered 204", vendor{cancel204: true}, []string{
			"cancel contract new cancelExportRequest: spec: response: status is not supported — → ×1",
			"cancel status appeared 204 — → ×1",
			"cancel status disappeared 200 ×1 → —",
		}, 1},
		{"cancelling skipped", vendor{skipCancel: true}, []string{
			"requests progress appeared pending → processing → cancelled — → ×1",
			"requests progress disappeared pending → processing → cancelling → cancelled ×1 → —",
		}, 0},
		{"a header", vendor{header: "X-Api-Token"}, []string{
			"create header appeared X-Api-Token (credential: value never shown) — → ×2",
			"status header appeared X-Api-Token (credential: value never shown) — → ×6",
			"cancel header appeared X-Api-Token (credential: value never shown) — → ×1",
		}, 0},
		{"a header that holds no credential", vendor{header: "X-Request-Id"}, []string{
			"create header appeared X-Request-Id — → ×2",
			"status header appeared X-Request-Id — → ×6",
			"cancel header appeared X-Request-Id — → ×1",
		}, 0},
		{"a media type", vendor{mediaType: "application/vnd.oracle.resource+json; type=singular; charset=utf-8"}, []string{
			"create media-type appeared application/vnd.oracle.resource+json; type=singular — → ×2",
			"create media-type disappeared application/json ×2 → —",
			"status media-type appeared application/vnd.oracle.resource+json; type=singular — → ×6",
			"status media-type disappeared application/json ×6 → —",
		}, 0},
		{"error wording", vendor{notFound: `no export request has the id "99999"`}, []string{
			`status error appeared 404 detail: no export request has the id "{id}" — → ×1`,
			`status error disappeared 404 detail: export request "{id}" does not exist ×1 → —`,
		}, 0},
	}
	base := vendor{}.record(t, "baseline.har")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := Compare(base, tc.current.record(t, "current.har"), deadlines, nil)
			require.Equal(t, tc.want, drifts(r))
			require.Equal(t, tc.failing, r.Failing)
			var out bytes.Buffer
			require.NoError(t, Write(&out, r, FormatConsole))
			require.NotContains(t, out.String(), "secret-header-value", "header values are never shown")
		})
	}
}

func TestTimings(t *testing.T) {
	tests := []struct {
		name   string
		settle time.Duration
		drift  Kind
	}{
		{"within the tolerance", 1100 * time.Millisecond, ""},
		{"moved", 3 * time.Second, KindTiming},
		{"past half the deadline", 16 * time.Second, KindDeadline},
	}
	base := vendor{}.record(t, "baseline.har")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := Compare(base, vendor{settleAfter: tc.settle}.record(t, "current.har"), deadlines, nil)
			require.Equal(t, tc.drift, r.Timings[0].Drift)
			require.Equal(t, tc.settle, r.Timings[0].After.P95)
			require.Equal(t, map[bool]int{true: 1, false: 0}[tc.drift == KindDeadline], r.Failing, "only a deadline fails by default")
		})
	}
	// Past half the deadline already in BASELINE: it did not move past it now.
	slow := vendor{settleAfter: 16 * time.Second}.record(t, "baseline.har")
	r := Compare(slow, vendor{settleAfter: 17 * time.Second}.record(t, "current.har"), deadlines, nil)
	require.Equal(t, Kind(""), r.Timings[0].Drift)
}

func TestStatsArePercentilesByNearestRank(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	s := stats(d)
	require.Equal(t, 50*time.Millisecond, s.P50)
	require.Equal(t, 95*time.Millisecond, s.P95)
	require.Equal(t, Stats{N: 1, P50: time.Second, P95: time.Second, P50ms: 1000, P95ms: 1000}, stats([]time.Duration{time.Second}))
}

func TestWalk(t *testing.T) {
	type field struct{ path, form string }
	var got []field
	walk([]byte(`{"a":[{"b":1,"c":"2022-11-29T15:21:58.000+0000"},{"b":null,"c":"2022-11-29T16:05+01:00"}],"d/e":{"f":true},"g":1.5,"h":"x","i":{}}`),
		func(path, form string) { got = append(got, field{path, form}) })
	require.Equal(t, []field{
		{"(the document)", "object"},
		{"/a", "array"},
		{"/a/*", "object"},
		{"/a/*/b", "number"},
		{"/a/*/c", "string, date-time YYYY-MM-DDThh:mm:ss.sss±hhmm"},
		{"/a/*", "object"},
		{"/a/*/b", "null"},
		{"/a/*/c", "string, date-time YYYY-MM-DDThh:mm±hh:mm"},
		{"/d~1e", "object"},
		{"/d~1e/f", "boolean"},
		{"/g", "number (fraction)"},
		{"/h", "string"},
		{"/i", "object"},
	}, got)
}

func TestWalkIsBoundedInDepth(t *testing.T) {
	deep := strings.Repeat(`{"a":`, 1000) + "1" + strings.Repeat("}", 1000)
	deepest := 0
	walk([]byte(deep), func(path, _ string) { deepest = max(deepest, strings.Count(path, "/")) })
	require.Equal(t, maxDepth, deepest)
}

func TestAProfileIsBounded(t *testing.T) {
	r := newRecording(t, "wide.har")
	var b strings.Builder
	b.WriteString(`{"title":"Not Found","status":404`)
	for i := range MaxPaths + 10 {
		fmt.Fprintf(&b, `,"x%d":1`, i)
	}
	b.WriteString("}")
	r.add(http.MethodGet, "/exportStatuses/99999", 404, nil, b.String(), 0)
	for i := range MaxValues + 10 {
		r.add(http.MethodGet, "/exportStatuses/99999", 404, http.Header{fmt.Sprintf("X-H%d", i): {"v"}}, `{"status":404}`, time.Duration(i))
	}
	cp := r.p.calls[callStatus()]
	require.Len(t, cp.fields[errorDocument], MaxPaths)
	require.Len(t, cp.headers.n, MaxValues)
	s := side(r.p)
	require.Contains(t, s.Bounded, "field path(s) over 1024 per call")
	require.Contains(t, s.Bounded, "value(s) over 256 per call")
}

func TestTheReportsEscapeTheTargetsText(t *testing.T) {
	current := vendor{notFound: "two\nlines | and `ticks`\x1b[31m"}.record(t, "current.har")
	r := Compare(vendor{}.record(t, "baseline.har"), current, deadlines, nil)
	for _, format := range []string{FormatConsole, FormatMarkdown} {
		var out bytes.Buffer
		require.NoError(t, Write(&out, r, format))
		require.NotContains(t, out.String(), "\x1b", format)
		require.NotContains(t, out.String(), "two\nlines", format)
	}
	var md bytes.Buffer
	require.NoError(t, Write(&md, r, FormatMarkdown))
	require.Contains(t, md.String(), `two\nlines \| and 'ticks'\x1b[31m`)
	var js bytes.Buffer
	require.NoError(t, Write(&js, r, FormatJSON))
	var back Report
	require.NoError(t, json.Unmarshal(js.Bytes(), &back))
	require.Equal(t, drifts(r), drifts(back))
	require.Error(t, Write(&js, r, "yaml"))
}

func callStatus() export.Call { return export.CallStatus }
