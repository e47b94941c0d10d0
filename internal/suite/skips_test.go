package suite

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"html/template"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	messages "github.com/cucumber/messages/go/v34"
	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/fakeserver"
	"github.com/conform-harness/conform/internal/evidence"
	"github.com/conform-harness/conform/internal/report"
	"github.com/conform-harness/conform/steps"
)

const (
	doubleCancel     = "Cancelling again while the cancellation is under way is accepted"
	doubleCancelStep = "an export request that is being cancelled"
)

// skipRun is what a live run against a fake that settles every cancellation at once left.
type skipRun struct {
	res      Result
	dir      string // junit.xml, cucumber.json and messages.ndjson
	output   string // the run's output: a JUnit report
	envelops []*messages.Envelope
	notes    []string
}

// runTooFastToSeeCancelling runs the live suite against a fake whose cancellations settle a
// nanosecond after the cancel, so "an export request that is being cancelled" can never be seen.
func runTooFastToSeeCancelling(t *testing.T, strict bool) skipRun {
	t.Helper()
	r := skipRun{dir: t.TempDir()}
	var out bytes.Buffer
	var mu sync.Mutex
	res, err := Run(context.Background(), Options{
		Config: steps.Config{NewTarget: liveFake(t, fakeserver.Options{CancelDelay: time.Nanosecond}), PollInterval: 20 * time.Millisecond, Note: func(scenario, note string) {
			mu.Lock()
			defer mu.Unlock()
			r.notes = append(r.notes, scenario+": "+note)
		}, StrictPreconditions: strict},
		LeaveOut:    []string{"@fake-only"},
		Concurrency: 4,
		Formats: []Format{
			{Name: "junit", Path: filepath.Join(r.dir, "junit.xml")},
			{Name: "cucumber", Path: filepath.Join(r.dir, "cucumber.json")},
			{Name: "messages", Path: filepath.Join(r.dir, "messages.ndjson")},
			{Name: "junit"},
		},
		Output:    &out,
		Envelopes: func(e *messages.Envelope) { r.envelops = append(r.envelops, e) },
	})
	require.NoError(t, err)
	r.res, r.output = res, out.String()
	return r
}

// TestPreconditionNotReachedIsSkippedWithItsReason: when a cancellation settles before it can
// be seen, the double-cancel scenario is skipped, the run passes, and every report says why.
func TestPreconditionNotReachedIsSkippedWithItsReason(t *testing.T) {
	r := runTooFastToSeeCancelling(t, false)
	require.True(t, r.res.Passed, "a skip proves nothing either way:\n%s", r.output)

	require.Len(t, r.res.Skipped, 1)
	skip := r.res.Skipped[0]
	require.Equal(t, Skip{Feature: "Cancelling a running export request", URI: "cancel_running.feature", Scenario: doubleCancel,
		Step: doubleCancelStep, Reason: skip.Reason}, skip)
	reason := skip.Reason
	require.Contains(t, reason, "precondition not reached: wanted an export request that is being cancelled (cancelling), to cancel it again, but request ")
	require.Contains(t, reason, "was already cancelled when first polled after the cancel")

	t.Run("console", func(t *testing.T) {
		require.Equal(t, []string{doubleCancel + ": skipped: " + reason}, r.notes, "the console's notes say it")
		var b strings.Builder
		require.NoError(t, r.res.WriteSkipped(&b))
		require.Equal(t, "conform: skipped 1 scenario(s): the target could not be brought to a precondition, which proves nothing either way "+
			"(strict preconditions fail them instead):\n  \""+doubleCancel+"\" (cancel_running.feature): skipped: "+reason+"\n", b.String())
	})

	t.Run("junit", func(t *testing.T) {
		for name, b := range map[string][]byte{"file": readFile(t, r.dir, "junit.xml"), "output": []byte(r.output)} {
			var doc junitPackageSuite
			require.NoError(t, xml.Unmarshal(b, &doc), name)
			require.Equal(t, 1, doc.Skipped, name)
			require.Zero(t, doc.Failures, name)
			ts, tc := doc.find("Cancelling a running export request", doubleCancel)
			require.NotNil(t, tc, name)
			require.Equal(t, 1, ts.Skipped, name)
			require.Equal(t, "skipped", tc.Status, name)
			require.NotNil(t, tc.Skipped, name)
			require.Equal(t, "Step "+doubleCancelStep+": "+reason, tc.Skipped.Message, name)
			require.Empty(t, tc.Error, "%s: godog's per-step errors of a skip are gone", name)
			require.Contains(t, string(b), `<skipped message="Step `+doubleCancelStep+`: precondition not reached`, name)
		}
	})

	t.Run("cucumber json", func(t *testing.T) {
		var feats []cukeFeature
		require.NoError(t, json.Unmarshal(readFile(t, r.dir, "cucumber.json"), &feats))
		el := findElement(feats, "cancel_running.feature", doubleCancel, 0)
		require.NotNil(t, el)
		var st *cukeStep
		for i := range el.Steps {
			if el.Steps[i].Name == doubleCancelStep {
				st = &el.Steps[i]
			}
		}
		require.NotNil(t, st)
		require.Equal(t, "skipped", st.Result.Status)
		require.Equal(t, reason, st.Result.Error)
		require.Equal(t, reason, skipEmbedding(t, st.Embeddings).Reason, "and as an embedding")
		for _, later := range el.Steps[slicesIndex(el.Steps, st)+1:] {
			require.Equal(t, "skipped", later.Result.Status)
			require.Empty(t, later.Result.Error, "the reason is the one step's")
		}
	})

	t.Run("messages", func(t *testing.T) {
		f, err := os.Open(filepath.Join(r.dir, "messages.ndjson"))
		require.NoError(t, err)
		defer f.Close()
		var found []evidence.Skip
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 8<<20)
		for sc.Scan() {
			var e messages.Envelope
			require.NoError(t, json.Unmarshal(sc.Bytes(), &e))
			if a := e.Attachment; a != nil && a.MediaType == evidence.SkipMediaType {
				require.Equal(t, messages.AttachmentContentEncoding_IDENTITY, a.ContentEncoding, "readable as it is")
				var s evidence.Skip
				require.NoError(t, json.Unmarshal([]byte(a.Body), &s))
				found = append(found, s)
			}
		}
		require.NoError(t, sc.Err())
		require.Equal(t, []evidence.Skip{{Step: doubleCancelStep, Reason: reason}}, found)
	})

	t.Run("html", func(t *testing.T) {
		var page bytes.Buffer
		require.NoError(t, report.WriteHTML(&page, r.envelops, report.Info{}))
		html := page.String()
		require.Contains(t, html, "Conforms")
		require.Contains(t, html, "Skipped for a precondition")
		require.Equal(t, 2, strings.Count(html, template.HTMLEscapeString(reason)), "beside the scenario and at its step")
	})
}

// TestStrictPreconditionsFailTheScenario: the same run with strict preconditions fails the
// double-cancel scenario, saying why, and skips nothing.
func TestStrictPreconditionsFailTheScenario(t *testing.T) {
	r := runTooFastToSeeCancelling(t, true)
	require.False(t, r.res.Passed)
	require.Empty(t, r.res.Skipped)
	require.Empty(t, r.notes)

	var doc junitPackageSuite
	require.NoError(t, xml.Unmarshal(readFile(t, r.dir, "junit.xml"), &doc))
	require.Equal(t, 1, doc.Failures)
	require.Zero(t, doc.Skipped)
	_, tc := doc.find("Cancelling a running export request", doubleCancel)
	require.NotNil(t, tc)
	require.Equal(t, "failed", tc.Status)
	require.Contains(t, tc.Failure.Message, "was already cancelled when first polled after the cancel")
	require.Contains(t, tc.Failure.Message, "preconditions are strict")
}

// TestTransientProgressIsWaitedThrough: a target that answers unknown for the first polls of
// every request (as one may for a moment after a create) passes: the live arranger waits
// through any progress that has not completed.
func TestTransientProgressIsWaitedThrough(t *testing.T) {
	var unknowns int
	var mu sync.Mutex
	target, _ := liveFakeBehind(t, fakeserver.Options{}, func(fake http.Handler) http.Handler {
		polls := map[string]int{}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodGet || !strings.Contains(r.URL.Path, "/exportStatuses/") {
				fake.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			fake.ServeHTTP(rec, r)
			body := rec.Body.Bytes()
			mu.Lock()
			polls[r.URL.Path]++
			early := polls[r.URL.Path] <= 3
			mu.Unlock()
			if early && rec.Code == http.StatusOK {
				var doc map[string]any
				require.NoError(t, json.Unmarshal(body, &doc))
				doc["progress"], doc["completed"] = "unknown", false
				var err error
				body, err = json.Marshal(doc)
				require.NoError(t, err)
				mu.Lock()
				unknowns++
				mu.Unlock()
			}
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.Header().Del("Content-Length")
			w.WriteHeader(rec.Code)
			w.Write(body) //nolint:errcheck // the client reads what it gets
		})
	})
	var out bytes.Buffer
	res, err := Run(context.Background(), Options{
		Config:      steps.Config{NewTarget: target, PollInterval: 20 * time.Millisecond},
		LeaveOut:    []string{"@fake-only"},
		Formats:     []Format{{Name: "progress"}},
		Output:      &out,
		Concurrency: 4,
	})
	require.NoError(t, err)
	require.True(t, res.Passed, out.String())
	require.Empty(t, res.Skipped)
	require.Greater(t, unknowns, 10, "the target did answer unknown")
}

// TestReportsReadBackAsGodogWroteThem: the types that read godog's JUnit and Cucumber JSON
// reports and write them again lose nothing: a report with no skip of its own comes out byte
// for byte as it went in.
func TestReportsReadBackAsGodogWroteThem(t *testing.T) {
	elsewhere := []reportCase{{feature: "no such feature", uri: "none.feature", name: "none", junitName: "none"}}
	for _, name := range []string{"junit.xml", "cucumber.json"} {
		in := readFile(t, filepath.Join("testdata", "golden"), name)
		kind := map[string]string{"junit.xml": "junit", "cucumber.json": "cucumber"}[name]
		got, err := withSkipReasons(kind, in, nil)
		require.NoError(t, err)
		require.Equal(t, in, got, "%s: no skip, no change", name)
		got, err = withSkipReasons(kind, in, elsewhere)
		require.NoError(t, err)
		require.Equal(t, string(in), string(got), "%s: read back and written again", name)
	}
	got, err := withSkipReasons("pretty", []byte("as it was"), elsewhere)
	require.NoError(t, err)
	require.Equal(t, "as it was", string(got))
}

// TestJUnitNamesScenariosThatShareAName: godog numbers the scenarios of a feature that share a
// name; the skip goes to the right one.
func TestJUnitNamesScenariosThatShareAName(t *testing.T) {
	l := &skipLog{names: func() map[string]string { return map[string]string{"u.feature": "Unknown"} }}
	for _, id := range []string{"12", "3", "40"} {
		l.started = append(l.started, startedCase{id: id, uri: "u.feature", name: "Same"})
	}
	l.started = append(l.started, startedCase{id: "5", uri: "u.feature", name: "Other"})
	l.skips = []skippedCase{{startedCase: startedCase{id: "12", uri: "u.feature", name: "Same"}, step: "s", reason: "r"}}
	cases := l.reportCases()
	require.Len(t, cases, 1)
	require.Equal(t, "Same #2", cases[0].junitName, "ids order as numbers: 3, 12, 40")
	require.Equal(t, 1, cases[0].rank)

	in := []byte(xml.Header + `<testsuites name="conform" tests="3" skipped="0" failures="0" errors="0" time="0">
  <testsuite name="Unknown" tests="3" skipped="0" failures="0" errors="0" time="0">
    <testcase name="Same #1" status="passed" time="0"></testcase>
    <testcase name="Same #2" status="passed" time="0">
      <error message="Step s" type="skipped"></error>
    </testcase>
    <testcase name="Same #3" status="passed" time="0"></testcase>
  </testsuite>
</testsuites>`)
	got, err := withJUnitSkips(in, cases)
	require.NoError(t, err)
	require.Equal(t, xml.Header+`<testsuites name="conform" tests="3" skipped="1" failures="0" errors="0" time="0">
  <testsuite name="Unknown" tests="3" skipped="1" failures="0" errors="0" time="0">
    <testcase name="Same #1" status="passed" time="0"></testcase>
    <testcase name="Same #2" status="skipped" time="0">
      <skipped message="Step s: r"></skipped>
    </testcase>
    <testcase name="Same #3" status="passed" time="0"></testcase>
  </testsuite>
</testsuites>`, string(got))
}

func readFile(t *testing.T, dir, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	require.NoError(t, err)
	return b
}

func skipEmbedding(t *testing.T, embeddings []cukeEmbedding) evidence.Skip {
	t.Helper()
	for _, e := range embeddings {
		if e.MimeType == evidence.SkipMediaType {
			b, err := base64.StdEncoding.DecodeString(e.Data)
			require.NoError(t, err)
			var s evidence.Skip
			require.NoError(t, json.Unmarshal(b, &s))
			return s
		}
	}
	t.Fatalf("no %s embedding", evidence.SkipMediaType)
	return evidence.Skip{}
}

func slicesIndex(steps []cukeStep, st *cukeStep) int {
	for i := range steps {
		if &steps[i] == st {
			return i
		}
	}
	return -1
}
