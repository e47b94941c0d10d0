package fakeserver

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/export"
)

// TestTimingVariantsLastAMoment: each timing variant changes what a request shows only for
// VariantMoment after it began, every answer conforms to the spec, and afterwards the answers
// are the plain fake's.
func TestTimingVariantsLastAMoment(t *testing.T) {
	type step struct {
		advance      time.Duration
		method, path string
		status       int
		progress     export.Progress // of a status document; "" for none
	}
	tests := []struct {
		variant Variant
		steps   []step
	}{
		{VariantVisibleLater, []step{
			{0, http.MethodPost, createPath, http.StatusAccepted, export.Pending},
			{0, http.MethodGet, statusURL("1000"), http.StatusNotFound, ""},
			{VariantMoment - time.Millisecond, http.MethodGet, statusURL("1000"), http.StatusNotFound, ""},
			{time.Millisecond, http.MethodGet, statusURL("1000"), http.StatusOK, export.Pending},
			{0, http.MethodGet, statusURL("99999"), http.StatusNotFound, ""},
		}},
		{VariantUnknownAfterCancel, []step{
			{0, http.MethodPost, createPath, http.StatusAccepted, export.Pending},
			{0, http.MethodGet, statusURL("1000"), http.StatusOK, export.Pending},
			{2 * time.Second, http.MethodPost, cancelURL("1000"), http.StatusOK, ""},
			{0, http.MethodGet, statusURL("1000"), http.StatusOK, export.Unknown},
			{VariantMoment - time.Millisecond, http.MethodGet, statusURL("1000"), http.StatusOK, export.Unknown},
			{time.Millisecond, http.MethodGet, statusURL("1000"), http.StatusOK, export.Cancelling},
			// A second cancel begins no moment: once seen cancelling, a request stays so.
			{0, http.MethodPost, cancelURL("1000"), http.StatusOK, ""},
			{0, http.MethodGet, statusURL("1000"), http.StatusOK, export.Cancelling},
			{time.Minute, http.MethodGet, statusURL("1000"), http.StatusOK, export.Cancelled},
		}},
	}
	for _, tt := range tests {
		t.Run(string(tt.variant), func(t *testing.T) {
			require.True(t, tt.variant.timing())
			opts := Options{StartDelay: time.Second, Variants: []Variant{tt.variant}}
			c, _, clock := newSpecClient(t, opts)
			plainOpts := opts
			plainOpts.Variants = nil
			plain, _, plainClock := newSpecClient(t, plainOpts)
			for i, s := range tt.steps {
				clock.Advance(s.advance)
				plainClock.Advance(s.advance)
				body := ""
				if s.path == createPath {
					body = twoTables
				}
				got, violations := c.exchange(t, s.method, s.path, body, false)
				want, _ := plain.exchange(t, s.method, s.path, body, false)
				require.Empty(t, violations, "step %d: %s %s", i, s.method, s.path)
				require.Equal(t, s.status, got.Status, "step %d: %s %s\n%s", i, s.method, s.path, got.Body)
				if s.progress == "" {
					continue
				}
				doc, err := export.DecodeStatus(got.Body)
				require.NoError(t, err)
				require.Equal(t, s.progress, doc.Progress, "step %d", i)
				require.False(t, doc.Completed && !doc.Progress.Terminal(), "step %d", i)
				if s.progress != export.Unknown {
					require.Equal(t, string(want.Body), string(got.Body), "step %d: past the moment, the plain fake's answer", i)
					continue
				}
				plainDoc, err := export.DecodeStatus(want.Body)
				require.NoError(t, err)
				require.Equal(t, export.Cancelling, plainDoc.Progress, "step %d: unknown stands only for cancelling", i)
				doc.Progress = plainDoc.Progress
				require.Equal(t, plainDoc, doc, "step %d: only the progress differs", i)
			}
		})
	}
}
