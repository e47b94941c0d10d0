package suite

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	messages "github.com/cucumber/messages/go/v34"
	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/fakeserver"
	"github.com/conform-harness/conform/fakeserver/bundled"
	"github.com/conform-harness/conform/internal/evidence"
	"github.com/conform-harness/conform/steps"
)

// Where the use-case page is silent, the harness accepts every form a server of the vendor's
// stack may write (DESIGN, "contract versus representation"). These tests are the proof: the
// whole suite passes against a fake that writes its answers in each variant, and in all of them
// at once, bundled and live, and each run saw the variant's answers, so that passing means
// something. That the variants change the fake's answers at all is fakeserver's
// TestEveryVariantChangesTheAnswersNotTheirMeaning.

// variantMarks are, for each variant, texts that only its answers carry, with the other
// variants too: in a response body (compacted) or a response's Content-Type, as the run's
// exchange attachments show them.
var variantMarks = map[fakeserver.Variant][]string{
	fakeserver.VariantIDsAsStrings:           {`"requestID":"`},
	fakeserver.VariantDatesISO8601Vendor:     {`.000+0000"`},
	fakeserver.VariantDatesJava:              {`+01:00"`},
	fakeserver.VariantDatesAsDateTimeType:    {`"submitDate":{"value":`, `"timezone":"UTC"`},
	fakeserver.VariantVendorErrorDocuments:   {`"o:errorDetails":[{"detail":"The request is not in a cancellable state"`, `"status":"404"`},
	fakeserver.VariantNullsForOptionalFields: {`"totalResults":null`, `"endTime":null`},
	fakeserver.VariantExtraFields:            {`"hasMore":false`, `"o:resourceVersion":"1"`},
	fakeserver.VariantVendorMediaTypes: {"Content-Type: application/vnd.oracle.resource+json; type=singular",
		"Content-Type: application/vnd.oracle.adf.error+json"},
	fakeserver.VariantVisibleLater:       {`was not found"`},
	fakeserver.VariantUnknownAfterCancel: {`{"progress":"unknown"`},
}

// bundledMarks are more marks, of answers that only the bundled fake's manual clock makes
// certain (a live fake's dates come from the wall clock): a table that ends at 15:22:00 UTC, a
// whole minute, which dates-java-offsetdatetime writes without its seconds, as Java does and as
// a real tenant does now and then.
var bundledMarks = map[fakeserver.Variant][]string{
	fakeserver.VariantDatesJava: {`"2022-11-29T16:22+01:00"`},
}

// variantCases are the runs: each variant alone, and all of them together.
func variantCases(t *testing.T) map[string][]fakeserver.Variant {
	t.Helper()
	var all []fakeserver.Variant
	for _, v := range fakeserver.Variants() {
		all = append(all, v.Name)
	}
	require.Len(t, variantMarks, len(all), "every variant needs its marks")
	cases := map[string][]fakeserver.Variant{"all variants": all}
	for _, v := range all {
		cases[string(v)] = []fakeserver.Variant{v}
	}
	return cases
}

// seenAnswers collects what the run's exchange attachments show of each answer: its
// Content-Type and its body, compacted. It is safe for the concurrent calls of a run.
type seenAnswers struct {
	mu  sync.Mutex // guards buf
	buf strings.Builder
}

func (s *seenAnswers) envelope(env *messages.Envelope) {
	a := env.Attachment
	if a == nil || a.MediaType != evidence.ExchangeMediaType {
		return
	}
	body := []byte(a.Body)
	if a.ContentEncoding == messages.AttachmentContentEncoding_BASE64 {
		var err error
		if body, err = base64.StdEncoding.DecodeString(a.Body); err != nil {
			return
		}
	}
	var call evidence.Call
	if json.Unmarshal(body, &call) != nil {
		return
	}
	var compact bytes.Buffer
	if json.Compact(&compact, []byte(call.ResponseBody)) != nil {
		compact.WriteString(call.ResponseBody)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ct := range call.ResponseHeaders["Content-Type"] {
		s.buf.WriteString("Content-Type: " + ct + "\n")
	}
	s.buf.Write(compact.Bytes())
	s.buf.WriteByte('\n')
}

func (s *seenAnswers) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// requirePassedSeeing requires that the run passed, and that it saw the marks of variants.
func requirePassedSeeing(t *testing.T, variants []fakeserver.Variant, failed map[string][]string, seen *seenAnswers) {
	t.Helper()
	require.Empty(t, failed, "the suite failed against variants %v", variants)
	answers := seen.String()
	require.NotEmpty(t, answers, "the run attached no exchanges")
	for _, v := range variants {
		for _, mark := range variantMarks[v] {
			require.True(t, strings.Contains(answers, mark), "the run never saw an answer of variant %s: none has %s", v, mark)
		}
	}
}

func TestVariantsPassBundled(t *testing.T) {
	for name, variants := range variantCases(t) {
		t.Run(name, func(t *testing.T) {
			seen := &seenAnswers{}
			failed := failures(t, Options{
				Config:      steps.Config{NewTarget: bundled.Target(fakeserver.Options{Variants: variants})},
				Concurrency: 4,
				Envelopes:   seen.envelope,
			})
			requirePassedSeeing(t, variants, failed, seen)
			for _, v := range variants {
				for _, mark := range bundledMarks[v] {
					require.Contains(t, seen.String(), mark, "the run never saw this answer of variant %s", v)
				}
			}
		})
	}
}

func TestVariantsPassLive(t *testing.T) {
	if testing.Short() {
		t.Skip("live runs take real time")
	}
	for name, variants := range variantCases(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			seen := &seenAnswers{}
			failed := failures(t, Options{
				Config:      steps.Config{NewTarget: liveFake(t, fakeserver.Options{Variants: variants}), PollInterval: 20 * time.Millisecond},
				LeaveOut:    []string{"@fake-only"},
				Concurrency: 4,
				Envelopes:   seen.envelope,
			})
			requirePassedSeeing(t, variants, failed, seen)
		})
	}
}

// TestThePlainFakeShowsNoVariantMarks: the marks are the variants', so that seeing one proves
// the run met the variant.
func TestThePlainFakeShowsNoVariantMarks(t *testing.T) {
	seen := &seenAnswers{}
	failed := failures(t, Options{Concurrency: 4, Envelopes: seen.envelope})
	require.Empty(t, failed)
	answers := seen.String()
	require.Contains(t, answers, `"requestID":`, "the run attached its exchanges")
	for _, all := range []map[fakeserver.Variant][]string{variantMarks, bundledMarks} {
		for v, marks := range all {
			for _, mark := range marks {
				require.False(t, strings.Contains(answers, mark), "variant %s's mark %s is in the plain fake's answers", v, mark)
			}
		}
	}
}
