package report

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	gherkin "github.com/cucumber/gherkin/go/v42"
	messages "github.com/cucumber/messages/go/v34"
	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/internal/evidence"
)

// sampleFeature has what a report must show: a feature with tags and a description, a
// background, a data table, and a scenario outline.
const sampleFeature = `@api
Feature: Cancelling an export request
  A running export request can be cancelled; a completed one cannot.

  Background:
    Given I am an authorised integration user

  Scenario: A running request is cancelled
    The tables that finished keep their files.

    Given export request 12345 is running with these tables:
      | table    | progress  |
      | SHIPMENT | succeeded |
      | REFNUM   | pending   |
    When I cancel export request "12345"
    Then the answer is 200 OK
    And eventually, within 30 seconds, the request is cancelled

  @fake-only
  Scenario Outline: Cancelling a request that has already <outcome>
    Given an export request that has completed with progress "<outcome>"
    When I cancel the export request
    Then the answer is 400 Bad Request
    And the request still shows progress "<outcome>"

    Examples: Outcomes
      | outcome   |
      | succeeded |
`

// epoch is when the sample run starts.
var epoch = time.Date(2024, 3, 5, 10, 0, 0, 0, time.UTC)

// streamBuilder writes the messages of a run the way a Cucumber implementation does.
type streamBuilder struct {
	t    testing.TB
	ids  messages.Incrementing
	envs []*messages.Envelope
}

func (b *streamBuilder) add(e *messages.Envelope) { b.envs = append(b.envs, e) }

func ts(t time.Time) *messages.Timestamp {
	x := messages.GoTimeToTimestamp(t)
	return &x
}

func dur(d time.Duration) *messages.Duration {
	x := messages.GoDurationToDuration(d)
	return &x
}

// feature adds the source, document and pickles of a feature and returns its pickles.
func (b *streamBuilder) feature(uri, source string) []*messages.Pickle {
	b.t.Helper()
	b.add(&messages.Envelope{Source: &messages.Source{Uri: uri, Data: source, MediaType: messages.SourceMediaType_TEXT_X_CUCUMBER_GHERKIN_PLAIN}})
	doc, err := gherkin.ParseGherkinDocument(strings.NewReader(source), b.ids.NewId)
	require.NoError(b.t, err)
	doc.Uri = uri
	b.add(&messages.Envelope{GherkinDocument: doc})
	pickles := gherkin.Pickles(*doc, uri, b.ids.NewId)
	for _, p := range pickles {
		b.add(&messages.Envelope{Pickle: p})
	}
	return pickles
}

// stepRun is what happened in one step: its result and what it attached.
type stepRun struct {
	status  messages.TestStepResultStatus
	message string
	attach  []*messages.Attachment
}

// testCase adds a test case for pickle and runs it with the given step outcomes, from start;
// each step takes 10 ms.
func (b *streamBuilder) testCase(pickle *messages.Pickle, start time.Time, runs []stepRun) {
	b.t.Helper()
	require.Len(b.t, runs, len(pickle.Steps))
	tc := &messages.TestCase{Id: b.ids.NewId(), PickleId: pickle.Id}
	for _, ps := range pickle.Steps {
		tc.TestSteps = append(tc.TestSteps, &messages.TestStep{Id: b.ids.NewId(), PickleStepId: ps.Id})
	}
	b.add(&messages.Envelope{TestCase: tc})
	started := &messages.TestCaseStarted{Id: b.ids.NewId(), TestCaseId: tc.Id, Timestamp: ts(start)}
	b.add(&messages.Envelope{TestCaseStarted: started})
	at := start
	for i, step := range tc.TestSteps {
		b.add(&messages.Envelope{TestStepStarted: &messages.TestStepStarted{TestCaseStartedId: started.Id, TestStepId: step.Id, Timestamp: ts(at)}})
		for _, a := range runs[i].attach {
			a.TestCaseStartedId, a.TestStepId = started.Id, step.Id
			b.add(&messages.Envelope{Attachment: a})
		}
		at = at.Add(10 * time.Millisecond)
		b.add(&messages.Envelope{TestStepFinished: &messages.TestStepFinished{
			TestCaseStartedId: started.Id, TestStepId: step.Id, Timestamp: ts(at),
			TestStepResult: &messages.TestStepResult{Status: runs[i].status, Message: runs[i].message, Duration: dur(10 * time.Millisecond)},
		}})
	}
	b.add(&messages.Envelope{TestCaseFinished: &messages.TestCaseFinished{TestCaseStartedId: started.Id, Timestamp: ts(at)}})
}

func jsonAttachment(t testing.TB, mediaType string, v any, encoding messages.AttachmentContentEncoding) *messages.Attachment {
	t.Helper()
	body, err := json.Marshal(v)
	require.NoError(t, err)
	a := &messages.Attachment{MediaType: mediaType, ContentEncoding: encoding, Body: string(body)}
	if encoding == messages.AttachmentContentEncoding_BASE64 {
		a.Body = base64.StdEncoding.EncodeToString(body)
	}
	return a
}

const statusBody = `{
  "progress": "cancelling",
  "completed": false,
  "result": {
    "body": {
      "requestID": "12345"
    }
  }
}`

// sampleStream is a run of sampleFeature against a target on 127.0.0.1:41234: the first
// scenario passes, with exchanges and a timeline; the second fails on a cancel that is answered
// 200 where 400 was expected, and whose answer violates the spec.
func sampleStream(t testing.TB) []*messages.Envelope {
	t.Helper()
	b := &streamBuilder{t: t}
	b.add(&messages.Envelope{Meta: &messages.Meta{ProtocolVersion: "34.2.0", Implementation: &messages.Product{Name: "godog", Version: "v0.16.0"},
		Runtime: &messages.Product{Name: "go"}, Os: &messages.Product{Name: "linux"}, Cpu: &messages.Product{Name: "amd64"}}})
	pickles := b.feature("features/cancel.feature", sampleFeature)
	require.Len(t, pickles, 2)
	b.add(&messages.Envelope{TestRunStarted: &messages.TestRunStarted{Id: b.ids.NewId(), Timestamp: ts(epoch)}})

	base := "http://127.0.0.1:41234/logisticsRestApi/data/v1"
	auth := map[string][]string{"Authorization": {"Basic [REDACTED]"}, "Accept": {"application/json"}}
	jsonType := map[string][]string{"Content-Type": {"application/json"}}
	cancelAt := epoch.Add(30 * time.Millisecond)
	cancel := evidence.Call{
		Seq: 1, At: cancelAt, Method: "POST", URL: base + "/custom-actions/cancel/exportRequests/12345",
		RequestHeaders: auth, Status: 200, ResponseHeaders: jsonType, ResponseBody: statusBody, Verdict: evidence.Conforms,
	}
	poll := evidence.Call{
		Seq: 2, At: cancelAt.Add(2 * time.Second), Method: "GET", URL: base + "/exportStatuses/12345",
		RequestHeaders: auth, Status: 200, ResponseHeaders: jsonType, ResponseBody: strings.ReplaceAll(statusBody, "cancelling", "cancelled"), Verdict: evidence.Conforms,
	}
	items := func(a, b string) []evidence.ItemState {
		return []evidence.ItemState{{Name: "SHIPMENT", Progress: a}, {Name: "REFNUM", Progress: b}}
	}
	timeline := evidence.Timeline{Requests: []evidence.RequestTimeline{{
		ID: "12345", CancelSentAt: &cancelAt,
		Observations: []evidence.Snapshot{
			{Seq: 0, At: epoch.Add(5 * time.Millisecond), Progress: "processing", Items: items("succeeded", "pending")},
			{Seq: 1, At: cancelAt, Progress: "cancelling", Items: items("succeeded", "pending")},
			{Seq: 2, At: cancelAt.Add(time.Second), Progress: "cancelling", Items: items("succeeded", "pending")},
			{Seq: 3, At: cancelAt.Add(2 * time.Second), Progress: "cancelled", Completed: true, Items: items("succeeded", "cancelled")},
		},
	}}}
	pass := func(attach ...*messages.Attachment) stepRun {
		return stepRun{status: messages.TestStepResultStatus_PASSED, attach: attach}
	}
	b.testCase(pickles[0], epoch, []stepRun{
		pass(),
		pass(),
		pass(jsonAttachment(t, evidence.ExchangeMediaType, cancel, messages.AttachmentContentEncoding_IDENTITY)),
		pass(),
		pass(
			jsonAttachment(t, evidence.ExchangeMediaType, poll, messages.AttachmentContentEncoding_BASE64),
			jsonAttachment(t, evidence.TimelineMediaType, timeline, messages.AttachmentContentEncoding_IDENTITY),
		),
	})

	start2 := epoch.Add(100 * time.Millisecond)
	wrong := evidence.Call{
		Seq: 1, At: start2.Add(20 * time.Millisecond), Method: "POST", URL: base + "/custom-actions/cancel/exportRequests/777",
		RequestHeaders: auth, Status: 200, ResponseHeaders: jsonType,
		ResponseBody: `{
  "progress": "done"
}`,
		Verdict: evidence.Violates,
		Violations: []evidence.SpecViolation{{
			Operation: "cancelExportRequest", Where: "response", Pointer: "/progress",
			Reason: `value is not one of the allowed values ["pending","processing","succeeded","failed","interrupted","cancelling","cancelled","unknown"]`,
			Text:   `response of cancelExportRequest: /progress: value is not one of the allowed values`,
		}},
	}
	oneLook := evidence.Timeline{Requests: []evidence.RequestTimeline{{
		ID: "777", Observations: []evidence.Snapshot{{Seq: 1, At: start2.Add(20 * time.Millisecond), Progress: "done"}},
	}}}
	b.testCase(pickles[1], start2, []stepRun{
		pass(),
		pass(),
		pass(jsonAttachment(t, evidence.ExchangeMediaType, wrong, messages.AttachmentContentEncoding_IDENTITY)),
		{status: messages.TestStepResultStatus_FAILED, message: "expected 400 Bad Request, got 200 OK\nbody:\n{\"progress\": \"done\"}",
			attach: []*messages.Attachment{jsonAttachment(t, evidence.TimelineMediaType, oneLook, messages.AttachmentContentEncoding_IDENTITY)}},
		{status: messages.TestStepResultStatus_SKIPPED},
	})
	b.add(&messages.Envelope{TestRunFinished: &messages.TestRunFinished{Success: false, Timestamp: ts(epoch.Add(1500 * time.Millisecond))}})
	return b.envs
}

// ndjson writes envs as a Cucumber Messages stream.
func ndjson(t testing.TB, envs []*messages.Envelope) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, e := range envs {
		require.NoError(t, enc.Encode(e))
	}
	return buf.Bytes()
}
