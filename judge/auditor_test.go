package judge

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/openapi"
)

const auditRoot = "https://vendor.example.com" + export.Root

func statusBody(id int, progress, shipment string) []byte {
	return fmt.Appendf(nil, `{"progress":%q,"completed":false,"result":{"body":{"requestID":%d,"tables":{"items":[{"itemID":1,"itemName":"SHIPMENT","progress":%q,"parts":{"count":0,"items":[]}}]}}}}`,
		progress, id, shipment)
}

func statusRequest(t *testing.T, id int) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/exportStatuses/%d", auditRoot, id), nil)
	require.NoError(t, err)
	return req
}

var jsonHeader = http.Header{"Content-Type": {"application/json"}}

func TestJudgerReusesTheVerdictOfAnIdenticalAnswerOnly(t *testing.T) {
	v, err := openapi.NewValidator()
	require.NoError(t, err)
	j := NewJudger(v)
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	body := statusBody(7, "processing", "pending")

	first := j.Judge(statusRequest(t, 7), nil, 200, jsonHeader, body, at)
	require.NotNil(t, first.Doc)
	again := j.Judge(statusRequest(t, 7), nil, 200, jsonHeader, append([]byte(nil), body...), at.Add(time.Second))
	require.Same(t, first.Doc, again.Doc, "an identical answer reuses the verdict")
	require.Equal(t, at.Add(time.Second), again.At, "but is its own exchange")
	require.Equal(t, first.Violations, again.Violations)

	for _, c := range []struct {
		name   string
		id     int
		status int
		header http.Header
		body   []byte
	}{
		{"another body", 7, 200, jsonHeader, statusBody(7, "processing", "processing")},
		{"another status", 7, 201, jsonHeader, body},
		{"another type", 7, 200, http.Header{"Content-Type": {"text/plain"}}, body},
		{"another url", 8, 200, jsonHeader, body},
	} {
		ex := j.Judge(statusRequest(t, c.id), nil, c.status, c.header, c.body, at)
		require.NotSame(t, first.Doc, ex.Doc, c.name)
		fresh := Judge(v, statusRequest(t, c.id), nil, c.status, c.header, c.body, at)
		require.Equal(t, fresh.Violations, ex.Violations, "%s: the verdict is the exchange's own", c.name)
	}
	require.NotEmpty(t, j.Judge(statusRequest(t, 7), nil, 200, http.Header{"Content-Type": {"text/plain"}}, body, at).Violations,
		"a cached verdict never hides a violation of another answer")

	for i := range judgerSize + 10 {
		j.Judge(statusRequest(t, 1000+i), nil, 200, jsonHeader, statusBody(1000+i, "processing", "pending"), at)
	}
	require.LessOrEqual(t, len(j.entries), judgerSize, "the Judger remembers a bounded number of verdicts")
	require.Len(t, j.order, judgerSize)
}

func TestAuditorFollowsARequestThroughRepeatedAnswers(t *testing.T) {
	v, err := openapi.NewValidator()
	require.NoError(t, err)
	a := NewAuditor(v)
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	judge := func(id int, body []byte) []string {
		_, problems := a.Judge(statusRequest(t, id), nil, 200, jsonHeader, body, at)
		return problems
	}
	for range 5 {
		require.Empty(t, judge(7, statusBody(7, "processing", "succeeded")))
	}
	f, ok := a.follower.requests.Get(requestKey{"https://vendor.example.com:443", "7"})
	require.True(t, ok)
	require.NotNil(t, f)

	broken := judge(7, statusBody(7, "processing", "processing"))
	require.NotEmpty(t, broken, "a table that had succeeded runs again: the history was kept")
	require.Contains(t, strings.Join(broken, "\n"), "getExportStatus 7: invariant 4 (settled-item-is-final)")
	require.Equal(t, broken, judge(7, statusBody(7, "processing", "processing")), "a repeated answer breaks what it broke")

	require.Empty(t, judge(8, statusBody(8, "processing", "processing")), "another request has a history of its own")
	other, _ := http.NewRequest(http.MethodGet, "https://other.example.com"+export.Root+"/exportStatuses/7", nil)
	_, problems := a.Judge(other, nil, 200, jsonHeader, statusBody(7, "processing", "pending"), at)
	require.Empty(t, problems, "the same id on another target is another request")

	samePlace, _ := http.NewRequest(http.MethodGet, "https://VENDOR.example.com:443"+export.Root+"/exportStatuses/7", nil)
	_, problems = a.Judge(samePlace, nil, 200, jsonHeader, statusBody(7, "processing", "pending"), at)
	require.Contains(t, strings.Join(problems, "\n"), "invariant 4 (settled-item-is-final)",
		"the default port written out, or the host in capitals, is the same target: one origin, transport.Origin's")

	wrongID := statusBody(9, "processing", "pending")
	require.Contains(t, strings.Join(judge(10, wrongID), "\n"), "invariant 6 (request-id-matches)")
}

// BenchmarkJudger is the cost of one verdict: a miss (an answer not seen before: validation and
// decoding) and a hit (an answer repeated byte for byte, as polls of a request that has not
// moved are). BENCHMARKS.md §7.
func BenchmarkJudger(b *testing.B) {
	v, err := openapi.NewValidator()
	if err != nil {
		b.Fatal(err)
	}
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	req, _ := http.NewRequest(http.MethodGet, auditRoot+"/exportStatuses/7", nil)
	b.Run("miss", func(b *testing.B) {
		j := NewJudger(v)
		for i := range b.N {
			j.Judge(req, nil, 200, jsonHeader, statusBody(7, "processing", [...]string{"pending", "processing"}[i%2]), at)
			j.entries, j.order, j.next = map[uint64]*judged{}, nil, 0
		}
	})
	b.Run("hit", func(b *testing.B) {
		j := NewJudger(v)
		body := statusBody(7, "processing", "pending")
		j.Judge(req, nil, 200, jsonHeader, body, at)
		for range b.N {
			j.Judge(req, nil, 200, jsonHeader, body, at)
		}
	})
}

func TestAViolationIsOneLineWhateverTheTargetSends(t *testing.T) {
	v, err := openapi.NewValidator()
	require.NoError(t, err)
	a := NewAuditor(v)
	// A repeated key inside an object whose own key holds a newline and an escape sequence: the
	// violation's pointer names that key.
	forged := []byte(`{"progress":"processing","completed":false,"x\nconform proxy: all good\u001b[31m":{"d":1,"d":2},"result":{"body":{"requestID":7,"tables":{"items":[]}}}}`)
	_, problems := a.Judge(statusRequest(t, 7), nil, 200, jsonHeader, forged, time.Now())
	require.NotEmpty(t, problems)
	for _, p := range problems {
		require.NotContains(t, p, "\n")
		require.NotContains(t, p, "\x1b")
	}
	require.Contains(t, strings.Join(problems, " "), `/x\nconform proxy: all good\x1b[31m`)
	require.Equal(t, `a\tb\nc`, EscapeControls("a\tb\nc"))
	require.Equal(t, "plain — ünïcode", EscapeControls("plain — ünïcode"))
}
