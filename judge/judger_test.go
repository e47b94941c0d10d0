package judge

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/openapi"
)

func newValidator(t testing.TB) *openapi.Validator {
	t.Helper()
	v, err := openapi.NewValidator()
	require.NoError(t, err)
	return v
}

// A recorded exchange (conform audit) marked as malformed on purpose is judged as the run judged
// it, and the Judger's memory does not hand that verdict to the same body sent by mistake.
func TestJudgerKeepsMalformedOnPurposeApart(t *testing.T) {
	j := NewJudger(newValidator(t))
	at := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	header := http.Header{"Content-Type": {"application/json"}}
	judge := func(onPurpose bool) Exchange {
		req, err := http.NewRequest(http.MethodPost, "http://target.test/logisticsRestApi/data/v1/exportRequests", nil)
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Prefer", "respond-async")
		if onPurpose {
			req = MalformedOnPurpose(req)
		}
		return j.Judge(req, []byte(`{"tables": {"items": [{"tableName": "SHIPMENT"}`), http.StatusBadRequest, header, []byte(`{"title":"Bad Request","status":400}`), at)
	}
	for range 2 {
		onPurpose := judge(true)
		require.True(t, onPurpose.MalformedOnPurpose)
		require.Empty(t, onPurpose.Violations)
		byMistake := judge(false)
		require.False(t, byMistake.MalformedOnPurpose)
		require.Len(t, byMistake.Violations, 1)
		require.True(t, byMistake.Violations[0].OfRequestBody(), byMistake.Violations[0].String())
	}
}

func TestGroupByRequestTakesOneOriginForTheDefaultPort(t *testing.T) {
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	v := newValidator(t)
	var exchanges []Exchange
	for _, u := range []string{"https://vendor.example.com", "https://vendor.example.com:443", "HTTPS://Vendor.Example.com"} {
		req, err := http.NewRequest(http.MethodGet, u+"/logisticsRestApi/data/v1/exportStatuses/7", nil)
		require.NoError(t, err)
		exchanges = append(exchanges, Judge(v, req, nil, http.StatusNotFound, nil, nil, at))
	}
	groups := GroupByRequest(exchanges)
	require.Len(t, groups, 1)
	require.Equal(t, "Export request 7", groups[0].Name, "one target: no host in the name")
	require.Len(t, groups[0].Exchanges, 3)
	for _, ex := range exchanges {
		require.Equal(t, "https://vendor.example.com:443", ex.Origin(), "taken from the request when judged")
		unjudged := Exchange{URL: ex.URL}
		require.Equal(t, ex.Origin(), unjudged.Origin(), "and the same read from the URL of an exchange never judged")
	}
}
