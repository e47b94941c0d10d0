package proxy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/fakeserver"
	"github.com/conform-harness/conform/internal/credentials"
	"github.com/conform-harness/conform/openapi"
)

const (
	user     = "proxy-user"
	password = "proxy-canary-password"
)

// wire is a target that records every answer exactly as it wrote it, so that a test can
// compare what the client got through the proxy with what the target sent.
type wire struct {
	next http.Handler
	mu   sync.Mutex
	sent []answer
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

func (w *wire) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	rec := httptest.NewRecorder()
	w.next.ServeHTTP(rec, r)
	w.mu.Lock()
	w.sent = append(w.sent, answer{rec.Code, rec.Header().Clone(), rec.Body.Bytes()})
	w.mu.Unlock()
	for k, v := range rec.Header() {
		rw.Header()[k] = v
	}
	rw.WriteHeader(rec.Code)
	rw.Write(rec.Body.Bytes())
}

func (w *wire) last() answer {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.sent[len(w.sent)-1]
}

// setup starts a fake with defects behind a wire recorder, and the proxy in front of it.
func setup(t *testing.T, annotate bool, defects ...fakeserver.Defect) (proxyURL string, clock *fakeserver.ManualClock, w *wire, p *Proxy, logged func() []string) {
	t.Helper()
	clock = fakeserver.NewManualClock(time.Date(2022, 11, 29, 15, 21, 56, 0, time.UTC))
	fake := fakeserver.New(fakeserver.Options{Clock: clock, Username: user, Password: password, Defects: defects,
		TableDuration: 2 * time.Second, CancelDelay: time.Second})
	w = &wire{next: fake}
	target := httptest.NewServer(w)
	t.Cleanup(target.Close)
	v, err := openapi.NewValidator()
	require.NoError(t, err)
	u, _ := url.Parse(target.URL)
	var mu sync.Mutex
	var lines []string
	p, err = New(Options{Target: u, Validator: v, Annotate: annotate, Now: clock.Now, Log: func(line string) {
		mu.Lock()
		defer mu.Unlock()
		lines = append(lines, line)
	}})
	require.NoError(t, err)
	front := httptest.NewServer(p)
	t.Cleanup(front.Close)
	return front.URL, clock, w, p, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), lines...)
	}
}

// call sends a request with the test's credentials (and body, as JSON, unless "") through Go's
// default client, and returns the answer and its body.
func call(t *testing.T, method, u string, body string) (*http.Response, []byte) {
	t.Helper()
	return do(t, http.DefaultClient, newRequest(t, method, u, body))
}

// newRequest is the request call sends.
func newRequest(t *testing.T, method, u, body string) *http.Request {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, u, rd)
	require.NoError(t, err)
	req.SetBasicAuth(user, password)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return req
}

// do sends req with client and reads the answer whole.
func do(t *testing.T, client *http.Client, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, b
}

// requireSame requires that the client got exactly what the target sent: status, body, and
// every header the target set (the client's transport adds none of them).
func requireSame(t *testing.T, sent answer, got *http.Response, body []byte) {
	t.Helper()
	require.Equal(t, sent.status, got.StatusCode)
	require.Equal(t, string(sent.body), string(body), "the body is forwarded byte for byte")
	for k, v := range sent.header {
		require.Equal(t, v, got.Header[k], "header %s", k)
	}
}

func TestProxyForwardsUnchangedAndJudgesEveryExchange(t *testing.T) {
	front, clock, w, p, logged := setup(t, false, fakeserver.DefectProgressMisspelt)
	root := front + export.Root

	resp, body := call(t, http.MethodPost, root+"/exportRequests", `{"tables":{"items":[{"tableName":"SHIPMENT"},{"tableName":"SHIPMENT_REFNUM"}]}}`)
	requireSame(t, w.last(), resp, body)
	require.Equal(t, http.StatusAccepted, resp.StatusCode)
	var created export.Status
	require.NoError(t, json.Unmarshal(body, &created))
	id := string(created.RequestID())

	clock.Advance(3 * time.Second) // the first table done, the second running
	resp, body = call(t, http.MethodPost, root+"/custom-actions/cancel/exportRequests/"+id, "")
	requireSame(t, w.last(), resp, body)
	clock.Advance(2 * time.Second)
	resp, body = call(t, http.MethodGet, root+"/exportStatuses/"+id, "")
	requireSame(t, w.last(), resp, body)
	require.Contains(t, string(body), `"canceled"`, "the defect reaches the client as the target wrote it")
	require.Empty(t, resp.Header.Get(AnnotationHeader), "no annotation unless asked for")

	lines := logged()
	require.NotEmpty(t, lines, "the violation is logged when it happens")
	joined := strings.Join(lines, "\n")
	require.Contains(t, joined, "getExportStatus "+id+": ")
	require.Contains(t, joined, "canceled")
	require.Contains(t, joined, "invariant 1 (valid-progress)")
	for _, line := range lines {
		require.NotContains(t, line, "\n", "one line per violation")
		require.NotContains(t, line, password)
	}
	require.Equal(t, len(lines), p.Violations())

	exchanges := p.Exchanges()
	require.Len(t, exchanges, 3)
	require.Equal(t, export.CallCreate, exchanges[0].Call)
	require.Equal(t, export.ID(id), exchanges[0].Asked, "the create's id is learnt from its answer")
	require.Empty(t, exchanges[0].Violations)
	require.NotEmpty(t, exchanges[2].Violations)
}

func TestProxyAnnotatesOnlyWhenAsked(t *testing.T) {
	front, clock, _, _, _ := setup(t, true, fakeserver.DefectFinishedItemsChange)
	root := front + export.Root
	_, body := call(t, http.MethodPost, root+"/exportRequests", `{"tables":{"items":[{"tableName":"SHIPMENT"},{"tableName":"SHIPMENT_REFNUM"}]}}`)
	var created export.Status
	require.NoError(t, json.Unmarshal(body, &created))
	id := string(created.RequestID())

	resp, _ := call(t, http.MethodGet, root+"/exportStatuses/"+id, "")
	require.Empty(t, resp.Header.Get(AnnotationHeader), "a conforming answer carries no annotation")
	clock.Advance(3 * time.Second) // the first table done
	call(t, http.MethodGet, root+"/exportStatuses/"+id, "")
	call(t, http.MethodPost, root+"/custom-actions/cancel/exportRequests/"+id, "")
	clock.Advance(2 * time.Second) // the cancellation settles, and the defect rewrites the checksum
	resp, _ = call(t, http.MethodGet, root+"/exportStatuses/"+id, "")
	var notes []string
	require.NoError(t, json.Unmarshal([]byte(resp.Header.Get(AnnotationHeader)), &notes), "the annotation is a JSON array")
	require.NotEmpty(t, notes)
	require.Contains(t, strings.Join(notes, "\n"), "invariant 4 (settled-item-is-final)", "the oracle follows the request across calls")
}

func TestProxyNeverFollowsARedirectAndSaysWhenTheTargetIsDown(t *testing.T) {
	elsewhere := 0
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { elsewhere++ }))
	defer other.Close()
	redirecting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer redirecting.Close()
	v, err := openapi.NewValidator()
	require.NoError(t, err)
	u, _ := url.Parse(redirecting.URL)
	var lines []string
	p, err := New(Options{Target: u, Validator: v, Log: func(l string) { lines = append(lines, l) }})
	require.NoError(t, err)
	front := httptest.NewServer(p)
	defer front.Close()

	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest(http.MethodGet, front.URL+export.Root+"/exportStatuses/1", nil)
	req.SetBasicAuth(user, password)
	resp, err := client.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusTemporaryRedirect, resp.StatusCode, "the client gets the redirect as the target answered it")
	require.Zero(t, elsewhere, "the proxy followed nothing")
	require.Contains(t, strings.Join(lines, "\n"), "307", "an undeclared redirect is a violation")

	redirecting.Close()
	resp, err = client.Do(req)
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusBadGateway, resp.StatusCode)
	require.Contains(t, string(b), "the target did not answer")
	require.NotContains(t, string(b), password)
}

func TestProxyForwardsWhatIsTooLargeToJudge(t *testing.T) {
	big := bytes.Repeat([]byte("x"), 4096)
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(big)
	}))
	defer target.Close()
	v, err := openapi.NewValidator()
	require.NoError(t, err)
	u, _ := url.Parse(target.URL)
	p, err := New(Options{Target: u, Validator: v, MaxBodyBytes: 1024})
	require.NoError(t, err)
	front := httptest.NewServer(p)
	defer front.Close()

	resp, body := call(t, http.MethodGet, front.URL+export.Root+"/exportStatuses/1", "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, big, body, "the whole body reaches the client")
	ex := p.Exchanges()
	require.Len(t, ex, 1)
	require.ErrorContains(t, ex[0].Err, "larger than 1024 bytes: not judged")
	require.Nil(t, ex[0].RespBody, "the proxy keeps nothing it did not judge")
}

func TestProxyKeepsTheClientsCredentialsOutOfItsReports(t *testing.T) {
	front, _, _, p, _ := setup(t, false)
	call(t, http.MethodGet, front+export.Root+"/exportStatuses/99999", "")
	exs := p.Exchanges()
	require.Len(t, exs, 1)
	require.NotNil(t, exs[0].Redact, "the exchange carries its own redaction to the reports")
	for _, form := range []string{password, user + ":" + password} {
		require.NotContains(t, string(exs[0].Redact([]byte("saw "+form))), form)
		// The run's redactor, which masks every exchange's text, never learns a client's.
		require.Equal(t, "saw "+form, p.Redactor().String("saw "+form))
	}
	require.Equal(t, "the word proxy-user", p.Redactor().CredentialForms().String("the word proxy-user"))
}

// TestAClientsTokenRedactsOnlyItsOwnExchange: a client that sends a token of its choosing
// (a word of the API, "cancelling-x", or one letter) masks its own exchange's evidence, never
// the log line or the evidence of another client's exchange.
func TestAClientsTokenRedactsOnlyItsOwnExchange(t *testing.T) {
	// A target whose every status document breaks the spec, quoting a value with the words in it.
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"requestId": 7, "progress": "specific cancelling-x exportStatuses"}`)
	}))
	defer target.Close()
	v, err := openapi.NewValidator()
	require.NoError(t, err)
	u, _ := url.Parse(target.URL)
	for _, token := range []string{"cancelling-x", "e", "exportStatuses", "specific"} {
		t.Run(token, func(t *testing.T) {
			var mu sync.Mutex
			var lines []string
			p, err := New(Options{Target: u, Validator: v, Log: func(line string) {
				mu.Lock()
				defer mu.Unlock()
				lines = append(lines, line)
			}})
			require.NoError(t, err)
			front := httptest.NewServer(p)
			defer front.Close()
			aimed, err := http.NewRequest(http.MethodGet, front.URL+export.Root+"/exportStatuses/7", nil)
			require.NoError(t, err)
			aimed.Header.Set("Authorization", "Bearer "+token)
			resp, err := http.DefaultClient.Do(aimed)
			require.NoError(t, err)
			resp.Body.Close()
			mu.Lock()
			first := len(lines)
			mu.Unlock()
			require.Positive(t, first, "the answer breaks the spec")
			// Another client's exchange, with the same words in it, afterwards.
			call(t, http.MethodGet, front.URL+export.Root+"/exportStatuses/7", "")

			require.Equal(t, "specific cancelling-x exportStatuses", p.Redactor().String("specific cancelling-x exportStatuses"),
				"the run's redaction knows no client's token")
			mu.Lock()
			theirs := slices.Clone(lines[first:])
			mu.Unlock()
			require.NotEmpty(t, theirs)
			joined := strings.Join(theirs, "\n")
			require.Contains(t, joined, "specific cancelling-x exportStatuses", "the second client's lines quote the value")
			require.NotContains(t, joined, credentials.Redacted, "the second client's lines are not masked by the first's token")
		})
	}
}

func TestNewNeedsATargetAndAValidator(t *testing.T) {
	v, err := openapi.NewValidator()
	require.NoError(t, err)
	_, err = New(Options{Validator: v})
	require.ErrorContains(t, err, "no target")
	_, err = New(Options{Target: &url.URL{Scheme: "http", Host: "127.0.0.1:1"}})
	require.ErrorContains(t, err, "no validator")
}

func TestAnnotationStaysAHeaderAClientAccepts(t *testing.T) {
	var many []string
	for i := range 500 {
		many = append(many, fmt.Sprintf("getExportStatus 7: spec: response /result/body/tables/items/%d/progress: not one of the allowed values", i))
	}
	got := annotation(many)
	require.LessOrEqual(t, len(got), maxAnnotationBytes)
	var list []string
	require.NoError(t, json.Unmarshal([]byte(got), &list))
	require.Greater(t, len(list), 1)
	require.Equal(t, many[0], list[0])
	require.Equal(t, fmt.Sprintf("… and %d more (see the proxy's log)", 500-(len(list)-1)), list[len(list)-1])

	require.Equal(t, `["one"]`, annotation([]string{"one"}))
	huge := strings.Repeat("x", 2*maxAnnotationBytes)
	require.Equal(t, `["1 violations (see the proxy's log)"]`, annotation([]string{huge}))
}

func TestATargetCannotForgeTheAnnotation(t *testing.T) {
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(AnnotationHeader, `["all good, says the target"]`)
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte("not a status document"))
	}))
	defer target.Close()
	v, err := openapi.NewValidator()
	require.NoError(t, err)
	u, _ := url.Parse(target.URL)
	for _, annotate := range []bool{true, false} {
		p, err := New(Options{Target: u, Validator: v, Annotate: annotate})
		require.NoError(t, err)
		front := httptest.NewServer(p)
		resp, _ := call(t, http.MethodGet, front.URL+export.Root+"/exportStatuses/7", "")
		front.Close()
		got := resp.Header.Values(AnnotationHeader)
		if !annotate {
			require.Equal(t, []string{`["all good, says the target"]`}, got, "without --annotate the answer is unchanged")
			continue
		}
		require.Len(t, got, 1)
		require.NotContains(t, got[0], "all good")
		require.Contains(t, got[0], "getExportStatus 7: spec: ", "conform's own verdict")
	}
}

func TestTheRequestArrivesAsTheClientSentIt(t *testing.T) {
	seen := make(chan http.Header, 2)
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- r.Header.Clone()
		w.WriteHeader(http.StatusNotFound)
	}))
	defer target.Close()
	v, err := openapi.NewValidator()
	require.NoError(t, err)
	u, _ := url.Parse(target.URL)
	p, err := New(Options{Target: u, Validator: v})
	require.NoError(t, err)
	front := httptest.NewServer(p)
	defer front.Close()

	req, _ := http.NewRequest(http.MethodGet, front.URL+export.Root+"/exportStatuses/7", nil)
	req.Header.Set("X-Forwarded-For", "203.0.113.9")
	req.Header.Set("Connection", "X-Hop")
	req.Header.Set("X-Hop", "for this hop only")
	req.Header.Set("X-Trace", "abc")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	got := <-seen
	require.Equal(t, "203.0.113.9", got.Get("X-Forwarded-For"), "the client's forwarding header passes as it was")
	require.Equal(t, "abc", got.Get("X-Trace"))
	require.Empty(t, got.Get("X-Hop"), "a header that Connection names is the hop's, not forwarded")

	req, _ = http.NewRequest(http.MethodGet, front.URL+export.Root+"/exportStatuses/7", nil)
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	got = <-seen
	_, added := got["X-Forwarded-For"]
	require.False(t, added, "the proxy adds no forwarding header of its own")
}
