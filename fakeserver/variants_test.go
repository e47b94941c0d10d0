package fakeserver

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/export"
)

// variantAnswer is one answer of variantScript.
type variantAnswer struct {
	call        string
	status      int
	contentType string
	body        []byte
}

// variantScript drives a fake with opts through every kind of answer: a pending, a processing,
// a succeeded and a cancelling status document, a create, the refusal to cancel a completed
// request, an unknown id, a refused and an unrouted call. Every answer must conform to the
// spec. It returns the answers in order.
func variantScript(t *testing.T, opts Options) []variantAnswer {
	t.Helper()
	opts.StartDelay = time.Second
	c, _, clock := newSpecClient(t, opts)
	var out []variantAnswer
	do := func(method, path, body string, anonymous bool) {
		ex, violations := c.exchange(t, method, path, body, anonymous)
		call := fmt.Sprintf("%s %s", method, path)
		for _, v := range violations {
			// The unrouted call is outside the spec, as it must be; its answer is not.
			require.True(t, v.Where == "request" && v.Operation == "", "%s → %d: %s\n%s", call, ex.Status, v, ex.Body)
		}
		out = append(out, variantAnswer{call, ex.Status, ex.Header.Get("Content-Type"), ex.Body})
	}
	do(http.MethodPost, createPath, twoTables, false) // 1000, pending
	do(http.MethodGet, statusURL("1000"), "", false)
	clock.Advance(2 * time.Second) // processing, the first table started
	do(http.MethodGet, statusURL("1000"), "", false)
	clock.Advance(time.Minute) // succeeded
	do(http.MethodGet, statusURL("1000"), "", false)
	do(http.MethodPost, cancelURL("1000"), "", false) // 400: completed
	do(http.MethodGet, statusURL("99999"), "", false) // 404
	do(http.MethodPost, createPath, twoTables, false) // 1001
	clock.Advance(2 * time.Second)
	do(http.MethodPost, cancelURL("1001"), "", false) // 200, no body
	do(http.MethodGet, statusURL("1001"), "", false)  // cancelling
	do(http.MethodGet, statusURL("1001"), "", true)   // 401
	do(http.MethodGet, export.Root+"/nowhere", "", false)
	return out
}

// TestEveryVariantChangesTheAnswersNotTheirMeaning runs variantScript on the plain fake and on
// a fake with each variant, and with all of them: every variant changes some answer (so that a
// test passing against it proves something), keeps every status, conforms to the spec, and
// decodes to what the plain answer decodes to.
//
// The timing variants say the same, later: TestTimingVariantsLastAMoment holds them to that.
func TestEveryVariantChangesTheAnswersNotTheirMeaning(t *testing.T) {
	plain := variantScript(t, Options{})
	var all []Variant
	for _, v := range Variants() {
		if !v.Name.timing() {
			all = append(all, v.Name)
		}
	}
	cases := map[string][]Variant{"all variants": all}
	for _, v := range all {
		cases[string(v)] = []Variant{v}
	}
	for name, variants := range cases {
		t.Run(name, func(t *testing.T) {
			got := variantScript(t, Options{Variants: variants})
			require.Len(t, got, len(plain))
			changed := 0
			for i, p := range plain {
				g := got[i]
				require.Equal(t, p.status, g.status, g.call)
				if !bytes.Equal(p.body, g.body) || p.contentType != g.contentType {
					changed++
				}
				requireSameMeaning(t, p, g)
			}
			require.NotZero(t, changed, "variant %v changed no answer", variants)
		})
	}
}

// requireSameMeaning requires that plain and variant, two answers to the same call, say the same
// as export decodes them: the same documents, with the same instants for their dates, and
// errors of the same status.
func requireSameMeaning(t *testing.T, plain, variant variantAnswer) {
	t.Helper()
	switch {
	case len(plain.body) == 0:
		require.Empty(t, variant.body, variant.call)
	case plain.status < 300:
		p, err := export.DecodeStatus(plain.body)
		require.NoError(t, err)
		v, err := export.DecodeStatus(variant.body)
		require.NoError(t, err, "%s\n%s", variant.call, variant.body)
		require.Equal(t, meaning(t, p), meaning(t, v), "%s\n%s", variant.call, variant.body)
	default:
		p, err := export.DecodeError(plain.body)
		require.NoError(t, err)
		v, err := export.DecodeError(variant.body)
		require.NoError(t, err, "%s\n%s", variant.call, variant.body)
		require.Equal(t, p.Status, v.Status, variant.call)
		require.NotEmpty(t, v.Strings(), variant.call)
	}
}

// meaning is a status document with its dates as instants (in UTC, in the form of the use-case
// page) and its links dropped: what a variant must not change.
func meaning(t *testing.T, doc export.Status) export.Status {
	t.Helper()
	instant := func(d export.DateTime) export.DateTime {
		if d.IsZero() {
			return d
		}
		at, ok := d.Time()
		require.True(t, ok, "date %q", d.Value)
		return export.DateTime{Value: at.UTC().Format(time.RFC3339Nano)}
	}
	if doc.StartTime != nil {
		st := instant(*doc.StartTime)
		doc.StartTime = &st
	}
	doc.Links = nil
	if doc.Result != nil {
		r := *doc.Result
		r.Body.SubmitDate = instant(r.Body.SubmitDate)
		items := make([]export.Item, len(r.Body.Tables.Items))
		for i, it := range r.Body.Tables.Items {
			it.StartTime, it.EndTime = instant(it.StartTime), instant(it.EndTime)
			items[i] = it
		}
		r.Body.Tables.Items = items
		doc.Result = &r
	}
	return doc
}

// TestEachVariantDoesWhatItSays: the mark of each variant is in its answers, and not in the
// plain fake's.
func TestEachVariantDoesWhatItSays(t *testing.T) {
	marks := map[Variant][]string{
		VariantIDsAsStrings:           {`"requestID":"1000"`, `"itemID":"1"`},
		VariantDatesISO8601Vendor:     {`"submitDate":"2022-11-29T15:21:58.000+0000"`, `"startTime":{"value":"2022-11-29T15:21:59.000+0000"}`},
		VariantDatesJava:              {`"startTime":"2022-11-29T16:21:59+01:00"`, `"endTime":"2022-11-29T16:22:01+01:00"`},
		VariantDatesAsDateTimeType:    {`"submitDate":{"value":"2022-11-29T15:21:58Z","timezone":"UTC"}`, `"startTime":{"value":"2022-11-29T15:21:59Z","timezone":"UTC"}`, `"endTime":{"value":"2022-11-29T15:22:01Z"}`},
		VariantVendorErrorDocuments:   {`"status":"400"`, `"o:errorDetails":[{"detail":"` + cancellableState + `","o:errorCode":"EXPORT-400"}]`, `"o:errorPath":"/custom-actions/cancel/exportRequests/1000"`},
		VariantNullsForOptionalFields: {`{"progress":"pending","startTime":null,`, `"totalResults":null`, `"mediaType":null`, `"instance":null`},
		VariantExtraFields:            {`"kind":"item"`, `"o:resourceVersion":"1"`, `"hasMore":false`, `"o:ecid":`},
		VariantVendorMediaTypes:       {"Content-Type: application/vnd.oracle.resource+json; type=singular", "Content-Type: application/vnd.oracle.adf.error+json"},
		VariantVisibleLater:           {"GET " + statusURL("1000") + " → 404", `"detail":"export request 1000 was not found"`},
		VariantUnknownAfterCancel:     {`{"progress":"unknown"`},
	}
	require.Len(t, marks, len(Variants()))
	text := func(answers []variantAnswer) string {
		var b strings.Builder
		for _, a := range answers {
			fmt.Fprintf(&b, "%s → %d\nContent-Type: %s\n%s\n", a.call, a.status, a.contentType, a.body)
		}
		return b.String()
	}
	plain := text(variantScript(t, Options{}))
	for v, want := range marks {
		t.Run(string(v), func(t *testing.T) {
			got := text(variantScript(t, Options{Variants: []Variant{v}}))
			for _, w := range want {
				require.Contains(t, got, w)
				require.NotContains(t, plain, w)
			}
		})
	}
}

// TestJavaOffsetDateTime: datesJava writes what Java's OffsetDateTime.toString() writes,
// seconds left out when they are zero, and the harness reads each as the instant it was.
func TestJavaOffsetDateTime(t *testing.T) {
	paris := time.FixedZone("", 60*60)
	for _, tt := range []struct {
		at   time.Time
		want string
	}{
		{time.Date(2022, 11, 29, 16, 5, 0, 0, paris), "2022-11-29T16:05+01:00"},
		{time.Date(2022, 11, 29, 15, 5, 0, 0, time.UTC), "2022-11-29T15:05Z"},
		{time.Date(2022, 11, 29, 16, 5, 7, 0, paris), "2022-11-29T16:05:07+01:00"},
		{time.Date(2022, 11, 29, 16, 5, 0, 250_000_000, paris), "2022-11-29T16:05:00.250+01:00"},
		{time.Date(2022, 11, 29, 16, 5, 7, 250_500_000, paris), "2022-11-29T16:05:07.250500+01:00"},
		{time.Date(2022, 11, 29, 16, 5, 7, 1, paris), "2022-11-29T16:05:07.000000001+01:00"},
		{time.Date(2022, 11, 29, 10, 5, 0, 0, time.FixedZone("", -5*60*60-30*60)), "2022-11-29T10:05-05:30"},
	} {
		t.Run(tt.want, func(t *testing.T) {
			require.Equal(t, tt.want, javaOffsetDateTime(tt.at))
			at, ok := export.DateTime{Value: tt.want}.Time()
			require.True(t, ok)
			require.True(t, tt.at.Equal(at), "read as %v", at)
		})
	}
}

// TestVendorErrorDocumentsSayNothingElse: the refusal to cancel says it is in no cancellable
// state only in o:errorDetails, so that a harness looking at title and detail alone would miss it.
func TestVendorErrorDocumentsSayNothingElse(t *testing.T) {
	answers := variantScript(t, Options{Variants: []Variant{VariantVendorErrorDocuments}})
	refused := answers[4]
	require.Equal(t, http.StatusBadRequest, refused.status, refused.call)
	doc, err := export.DecodeError(refused.body)
	require.NoError(t, err)
	require.Empty(t, doc.Detail)
	require.NotContains(t, doc.Title, "state")
	require.Equal(t, []export.ErrorDetail{{Detail: cancellableState, ErrorCode: "EXPORT-400"}}, doc.ErrorDetails)
}

func TestOrderedRoundTrip(t *testing.T) {
	for _, a := range variantScript(t, Options{}) {
		if len(a.body) == 0 {
			continue
		}
		body, newline := bytes.CutSuffix(a.body, []byte("\n"))
		require.True(t, newline)
		v, err := decodeOrdered(body)
		require.NoError(t, err)
		require.Equal(t, string(body), string(appendOrdered(nil, v)), a.call)
	}
	// Other documents come out as encoding/json writes them: compact, its escapes.
	for in, want := range map[string]string{
		`[]`: `[]`, ` { } `: `{}`, `"\u00e9"`: `"é"`, `{"b":1,"a":2}`: `{"b":1,"a":2}`,
		`[1, -2.5e+3, "a<b\u2028", true, false, null, {"k": {"": []}}]`: `[1,-2.5e+3,"a\u003cb\u2028",true,false,null,{"k":{"":[]}}]`,
	} {
		v, err := decodeOrdered([]byte(in))
		require.NoError(t, err)
		require.Equal(t, want, string(appendOrdered(nil, v)), in)
	}
	for _, in := range []string{`{`, `{}{}`, `[1,]`} {
		_, err := decodeOrdered([]byte(in))
		require.Error(t, err, in)
	}
}

func TestVariantsRegistry(t *testing.T) {
	seen := map[string]bool{}
	for _, d := range Defects() {
		seen[string(d.Name)] = true
	}
	for _, v := range Variants() {
		require.False(t, seen[string(v.Name)], "%s names a defect and a variant", v.Name)
		seen[string(v.Name)] = true
		require.NotEmpty(t, v.Description)
		got, err := ParseVariant(string(v.Name))
		require.NoError(t, err)
		require.Equal(t, v.Name, got)
	}
	_, err := ParseVariant("dates-as-strings")
	require.ErrorContains(t, err, `unknown variant "dates-as-strings": want one of dates-as-datetimetype, dates-iso8601-vendor, `)
	require.PanicsWithValue(t, `fakeserver.New: unknown variant "nope": want one of `+strings.Join(variantNames(), ", "),
		func() { New(Options{Variants: []Variant{"nope"}}) })
}

func variantNames() []string {
	var out []string
	for _, v := range Variants() {
		out = append(out, string(v.Name))
	}
	return out
}

// TestVariantsWriteTheDefectsAnswersTheirWay: a defect applies first, and a variant does not
// undo it: a text/plain status stays text/plain, an error without message gets none.
func TestVariantsWriteTheDefectsAnswersTheirWay(t *testing.T) {
	_, ts, _ := newHTTPServer(t, Options{
		Defects:  []Defect{DefectWrongContentType, DefectErrorWithoutMessage},
		Variants: []Variant{VariantVendorMediaTypes, VariantVendorErrorDocuments},
	})
	r := call(t, ts, http.MethodPost, createPath, twoTables)
	require.Equal(t, http.StatusAccepted, r.status)
	require.Equal(t, "text/plain; charset=utf-8", r.header.Get("Content-Type"))
	r = call(t, ts, http.MethodGet, statusURL("4242"), "")
	require.Equal(t, http.StatusNotFound, r.status)
	require.Equal(t, "application/vnd.oracle.adf.error+json", r.header.Get("Content-Type"))
	doc, err := export.DecodeError(r.body)
	require.NoError(t, err)
	require.Empty(t, doc.Title)
	require.Empty(t, doc.ErrorDetails)
}

// TestPlainFakeWithoutVariantsIsUndecorated: variants decorate the handlers, and none leaves the
// fast path bare.
func TestPlainFakeWithoutVariantsIsUndecorated(t *testing.T) {
	require.Empty(t, variantRewrites(nil, nil))
	require.Len(t, variantRewrites([]Variant{VariantExtraFields, VariantExtraFields}, nil), 1)
	srv := New(Options{Variants: []Variant{VariantExtraFields}})
	require.Nil(t, srv.store.hooks, "a variant leaves the state machine alone")
}
