package steps

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/internal/evidence"
	"github.com/conform-harness/conform/judge"
	"github.com/conform-harness/conform/openapi"
)

func TestExchangeEvidenceRedactsAndPrettyPrints(t *testing.T) {
	at := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	ex := judge.Exchange{
		Seq: 4, At: at, Method: "GET", URL: "http://h/logisticsRestApi/data/v1/exportStatuses/1",
		ReqHeader:  http.Header{"Authorization": {"Basic YWxpY2U6czNjcmV0"}, "Accept": {"application/json"}, "Cookie": {"sid=1"}},
		Status:     200,
		RespHeader: http.Header{"Content-Type": {"application/json"}, "Set-Cookie": {"sid=2"}},
		RespBody:   []byte(`{"progress":"canceling"}`),
		Violations: []openapi.Violation{{Operation: "getExportStatus", Method: "GET", Path: "/x", Status: 200, Where: "response", Pointer: "/progress", Reason: "value is not one of the allowed values"}},
	}
	got := exchangeEvidence(ex)
	require.Equal(t, []string{"Basic [REDACTED]"}, got.RequestHeaders["Authorization"])
	require.Equal(t, []string{"[REDACTED]"}, got.RequestHeaders["Cookie"])
	require.Equal(t, []string{"[REDACTED]"}, got.ResponseHeaders["Set-Cookie"])
	require.Equal(t, []string{"application/json"}, got.RequestHeaders["Accept"])
	require.Equal(t, "{\n  \"progress\": \"canceling\"\n}", got.ResponseBody)
	require.Equal(t, evidence.Violates, got.Verdict)
	require.Len(t, got.Violations, 1)
	require.Equal(t, "/progress", got.Violations[0].Pointer)
	require.Contains(t, got.Violations[0].Text, "getExportStatus GET /x → 200")
	require.Equal(t, "Basic YWxpY2U6czNjcmV0", ex.ReqHeader.Get("Authorization"), "the recorded exchange itself is untouched")
}

func TestExchangeEvidenceCapsBodiesAndReportsFailures(t *testing.T) {
	big := `"` + strings.Repeat("x", evidence.MaxBody) + `"`
	got := exchangeEvidence(judge.Exchange{Method: "GET", RespBody: []byte(big), Err: errors.New("connection reset")})
	require.True(t, got.Truncated)
	require.True(t, strings.HasSuffix(got.ResponseBody, "… (cut)"))
	require.Equal(t, evidence.Failed, got.Verdict)
	require.Equal(t, "connection reset", got.Error)

	got = exchangeEvidence(judge.Exchange{Method: "POST", Status: 200})
	require.Equal(t, evidence.Conforms, got.Verdict)
	require.Empty(t, got.ResponseBody)
}

func TestTimeline(t *testing.T) {
	t0 := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	root := "http://h/logisticsRestApi/data/v1"
	doc := func(progress, item string) []byte {
		return []byte(`{"progress":"` + progress + `","completed":false,"result":{"body":{"requestID":7,"tables":{"items":[{"itemID":1,"itemName":"SHIPMENT","progress":"` + item + `","parts":{"count":0,"items":[]}}]}}}}`)
	}
	exchanges := []judge.Exchange{
		{Seq: 1, At: t0, Method: "POST", URL: root + "/exportRequests", Status: 202, RespBody: doc("processing", "processing")},
		{Seq: 2, At: t0.Add(time.Second), Method: "POST", URL: root + "/custom-actions/cancel/exportRequests/7", Status: 200},
		{Seq: 3, At: t0.Add(2 * time.Second), Method: "GET", URL: root + "/exportStatuses/7", Status: 200, RespBody: doc("cancelling", "processing")},
		{Seq: 4, At: t0.Add(3 * time.Second), Method: "GET", URL: root + "/exportStatuses/8", Status: 404, RespBody: []byte(`{}`)},
		{Seq: 5, At: t0.Add(4 * time.Second), Method: "POST", URL: root + "/custom-actions/cancel/exportRequests/7", Status: 200},
	}
	for i := range exchanges { // decoded as the recording transport decodes them
		ex := &exchanges[i]
		u, err := url.Parse(ex.URL)
		require.NoError(t, err)
		ex.Call, ex.Asked = export.CallOf(ex.Method, u.EscapedPath())
		ex.Decode()
	}
	tl := timeline(exchanges)
	require.Len(t, tl.Requests, 1, "a 404 is no observation")
	rt := tl.Requests[0]
	require.Equal(t, "7", rt.ID)
	require.NotNil(t, rt.CancelSentAt)
	require.Equal(t, t0.Add(time.Second), *rt.CancelSentAt, "the first accepted cancel")
	require.Len(t, rt.Observations, 2)
	require.Equal(t, "processing", rt.Observations[0].Progress)
	require.Equal(t, "cancelling", rt.Observations[1].Progress)
	require.Equal(t, []evidence.ItemState{{Name: "SHIPMENT", Progress: "processing"}}, rt.Observations[1].Items)
}
