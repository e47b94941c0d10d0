package proxy

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/openapi"
)

func TestTheClientsMistakesAreNotTheTargets(t *testing.T) {
	front, _, _, p, logged := setup(t, false)
	root := front + export.Root

	resp, _ := call(t, http.MethodPost, root+"/exportRequests", `{"tables":"SHIPMENT"}`)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode, "the fake refuses the malformed create")
	call(t, http.MethodOptions, root+"/exportRequests", "")
	call(t, http.MethodHead, root+"/exportStatuses/1", "")

	lines := logged()
	require.Len(t, lines, p.ClientViolations())
	require.GreaterOrEqual(t, len(lines), 3)
	for _, line := range lines {
		require.True(t, strings.HasPrefix(line, ClientPrefix), "a violation of the request is the client's: %s", line)
	}
	joined := strings.Join(lines, "\n")
	require.Contains(t, joined, "client: createExportRequest -: spec: request")
	require.Contains(t, joined, "client: OPTIONS "+export.Root+"/exportRequests -: spec: request")
	require.Contains(t, joined, "client: HEAD "+export.Root+"/exportStatuses/1 -: spec: request")
	require.Zero(t, p.Violations(), "the fake answered each as the spec declares: no violation of the target")
	require.Len(t, p.Exchanges(), 3, "the reports keep them")
}

func TestTheAnswerToAClientsMistakeIsStillJudged(t *testing.T) {
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusCreated)
		w.Write([]byte("made it anyway"))
	}))
	defer target.Close()
	v, err := openapi.NewValidator()
	require.NoError(t, err)
	u, _ := url.Parse(target.URL)
	var mu sync.Mutex
	var lines []string
	p, err := New(Options{Target: u, Validator: v, Log: func(l string) {
		mu.Lock()
		defer mu.Unlock()
		lines = append(lines, l)
	}})
	require.NoError(t, err)
	front := httptest.NewServer(p)
	defer front.Close()

	call(t, http.MethodPost, front.URL+export.Root+"/exportRequests", `{"tables":"SHIPMENT"}`)
	require.Equal(t, 1, p.ClientViolations())
	require.Positive(t, p.Violations(), "201 to a create is undeclared, whatever the request")
	mu.Lock()
	defer mu.Unlock()
	joined := strings.Join(lines, "\n")
	require.Contains(t, joined, "client: createExportRequest -: spec: request")
	require.Contains(t, joined, "\ncreateExportRequest -: spec: response")
}
