package suite

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cucumber/godog"
	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/judge"
	"github.com/conform-harness/conform/openapi"
)

// trafficExchanges returns judged traffic of three export requests and a call that names none
// (a create answered 401):
// one request conforms, one answers a progress the API does not have in its second poll (the
// spec and invariant 1 break, and its later exchanges are not run), one is created by a client
// whose request breaks the spec and then has a settled table change (invariant 4); the
// exchanges of each request's own credentials are redacted by the exchange's own redaction.
func trafficExchanges(tb testing.TB) []judge.Exchange {
	tb.Helper()
	v, err := openapi.NewValidator()
	require.NoError(tb, err)
	const root = "https://vendor.example.com" + export.Root
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	doc := func(id int, progress string, completed bool, shipment, checksum string) []byte {
		parts := `{"count":0,"items":[]}`
		if checksum != "" {
			parts = fmt.Sprintf(`{"count":1,"items":[{"partName":"DATA_%d_1.csv","recordCount":3,"checksum":%q}]}`, id, checksum)
		}
		return fmt.Appendf(nil, `{"progress":%q,"startTime":{"value":"2026-12-01T10:00:00Z"},"completed":%t,"result":{"body":{"requestID":%d,"submitDate":"2026-12-01T10:00:00Z","tables":{"items":[{"itemID":1,"itemName":"SHIPMENT","progress":%q,"parts":%s}]}}},"links":[]}`,
			progress, completed, id, shipment, parts)
	}
	jsonHeader := http.Header{"Content-Type": {"application/json"}}
	var out []judge.Exchange
	add := func(method, path string, reqBody []byte, status int, body []byte) {
		req, err := http.NewRequest(method, root+path, nil)
		require.NoError(tb, err)
		req.Header.Set("Authorization", "Basic c2VjcmV0LXVzZXI6c2VjcmV0LXB3")
		if reqBody != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		header := http.Header{}
		if body != nil {
			header = jsonHeader
		}
		if status == http.StatusUnauthorized {
			header = http.Header{"Www-Authenticate": {`Basic realm="export"`}}
		}
		ex := judge.Judge(v, req, reqBody, status, header, body, at.Add(time.Duration(len(out))*time.Second))
		ex.Redact = func(b []byte) []byte { return bytes.ReplaceAll(b, []byte("SHIPMENT"), []byte("[OWN]")) }
		out = append(out, ex)
	}
	create := []byte(`{"tables":{"items":[{"tableName":"SHIPMENT"}]}}`)
	add("POST", "/exportRequests", create, 202, doc(1, "processing", false, "processing", ""))
	add("POST", "/exportRequests", create, 202, doc(2, "processing", false, "processing", ""))
	add("POST", "/exportRequests", []byte(`{"tables":{"items":[{"table":"SHIPMENT"}]}}`), 202, doc(3, "processing", false, "processing", ""))
	add("GET", "/exportStatuses/1", nil, 200, doc(1, "succeeded", true, "succeeded", strings.Repeat("a", 32)))
	add("GET", "/exportStatuses/2", nil, 200, doc(2, "processing", false, "processing", ""))
	add("GET", "/exportStatuses/2", nil, 200, doc(2, "bogus", false, "processing", ""))
	add("GET", "/exportStatuses/3", nil, 200, doc(3, "processing", false, "succeeded", strings.Repeat("b", 32)))
	add("POST", "/custom-actions/cancel/exportRequests/3", nil, 200, nil)
	add("GET", "/exportStatuses/2", nil, 200, doc(2, "succeeded", true, "succeeded", strings.Repeat("c", 32)))
	add("GET", "/exportStatuses/3", nil, 200, doc(3, "cancelled", true, "succeeded", strings.Repeat("d", 32)))
	add("POST", "/exportRequests", create, 401, nil)
	return out
}

// The reports of recorded traffic, built from the judged exchanges, are what godog writes when
// it runs the same feature with a step that gives each exchange its verdict: every format, but
// for the times, the made-up ids and the name of the step's Go function.
func TestTrafficReportsAreWhatGodogWrites(t *testing.T) {
	exchanges := trafficExchanges(t)
	redact := func(b []byte) []byte { return bytes.ReplaceAll(b, []byte("c2VjcmV0"), []byte("[RUN]")) }
	names := []string{"pretty", "progress", "junit", "cucumber", "events", "messages"}
	for _, clientApart := range []bool{false, true} {
		t.Run(fmt.Sprintf("client apart %t", clientApart), func(t *testing.T) {
			dir := t.TempDir()
			formats := func(prefix string) []Format {
				var fs []Format
				for _, n := range names {
					fs = append(fs, Format{Name: n, Path: filepath.Join(dir, prefix+"."+n)})
				}
				return fs
			}
			passed, err := ReportTraffic(exchanges, TrafficReports{Title: "Recorded  traffic: t.har", Formats: formats("ours"), Redact: redact, ClientApart: clientApart})
			require.NoError(t, err)
			require.False(t, passed)

			// godog, running the feature the reports quote, with a step that gives each exchange
			// the verdict replayTraffic gave it.
			run := replayTraffic("Recorded  traffic: t.har", judge.GroupByRequest(exchanges), redact, clientApart)
			byName := map[string]*trafficScenario{}
			for _, sc := range run.scenarios {
				byName[sc.name] = sc
			}
			res, err := Run(context.Background(), Options{Output: &bytes.Buffer{}, Formats: formats("godog"), Traffic: &Traffic{
				Name: trafficURI, Feature: run.source,
				Scenarios: func(sc *godog.ScenarioContext) {
					var scenario *trafficScenario
					sc.Before(func(ctx context.Context, s *godog.Scenario) (context.Context, error) {
						scenario = byName[s.Name]
						return ctx, nil
					})
					sc.Step(trafficPattern, func(ctx context.Context, n, _ string) (context.Context, error) {
						i, _ := strconv.Atoi(n)
						for _, a := range scenario.attachments(i - 1) {
							ctx = godog.Attach(ctx, godog.Attachment{Body: a.body, FileName: a.name, MediaType: a.mediaType})
						}
						if st := scenario.steps[i-1]; st.status == statusFailed {
							return ctx, errors.New(st.err)
						}
						return ctx, nil
					})
				},
			}})
			require.NoError(t, err)
			require.False(t, res.Passed)

			for _, n := range names {
				ours, godogs := readNormalised(t, dir, "ours."+n), readNormalised(t, dir, "godog."+n)
				require.Equal(t, godogs, ours, "the %s report", n)
			}
			junit := string(readFile(t, dir, "ours.junit"))
			require.Contains(t, junit, `failures="2"`)
			require.Contains(t, junit, "invariant 1 (valid-progress)")
			require.NotContains(t, junit, "c2VjcmV0", "the traffic's redaction")
			var root xmlNode
			require.NoError(t, xml.Unmarshal([]byte(junit), &root))
			requireJUnitSchema(t, root, "")
			t.Run("xmllint", func(t *testing.T) { require.NoError(t, xmllint(t, filepath.Join(dir, "ours.junit"))) })
			require.Contains(t, string(readFile(t, dir, "ours.progress")), "4 scenarios (2 passed, 2 failed)")
			cucumber := string(readFile(t, dir, "ours.cucumber"))
			require.Contains(t, cucumber, `"status": "skipped"`, "a request's exchanges after a failed one are not run")
			require.Equal(t, clientApart, strings.Contains(string(readFile(t, dir, "ours.messages")), "the client's request breaks the spec"))
		})
	}
}

// readNormalised reads the report name in dir with what differs from one run to the next
// made the same: times, durations, made-up ids, and where the step's Go function is.
func readNormalised(t *testing.T, dir, name string) string {
	t.Helper()
	s := string(readFile(t, dir, name))
	for _, r := range []struct{ re, with string }{
		{`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`, "ID"},
		{`"(timestamp|duration)":\{[^}]*\}`, `"$1":{}`},
		{`"(timestamp|duration)": ?[0-9]+`, `"$1":0`},
		{`time="[0-9.e-]+"`, `time=""`},
		{`(?m)^[0-9.]+(ns|µs|ms|s)$`, "ELAPSED"},
		{`[a-z_]+\.go:[0-9]+( -\\u003e| ->) [^" ]+`, "DEFINITION"},
		{`"location": "[a-z_]+\.go:[0-9]+"`, `"location": "DEFINITION"`},
		{`"sourceReference":\{("uri":"[^"]*","location":\{[^}]*\})?\}`, `"sourceReference":{}`},
	} {
		s = regexp.MustCompile(r.re).ReplaceAllString(s, r.with)
	}
	return s
}

// A format the reports of traffic do not know is the user's mistake, said before anything is
// written.
func TestTrafficReportsRefuseAnUnknownFormat(t *testing.T) {
	dir := t.TempDir()
	_, err := ReportTraffic(trafficExchanges(t), TrafficReports{Title: "t", Formats: []Format{{Name: "junit", Path: filepath.Join(dir, "j.xml")}, {Name: "tap"}}})
	var ue *UsageError
	require.ErrorAs(t, err, &ue)
	require.ErrorContains(t, err, `unknown formatter "tap"`)
	require.NoFileExists(t, filepath.Join(dir, "j.xml"))
}
