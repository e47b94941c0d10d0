package fakeserver

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestEveryVariantIsARewrite: a variant only rewrites answers (made once, or per server for a
// timing variant), never the state machine nor what a handler is asked, and the rewrites of one
// variant are that one rewrite.
func TestEveryVariantIsARewrite(t *testing.T) {
	for _, v := range variantDescriptions {
		t.Run(string(v.name), func(t *testing.T) {
			e := v.effect
			require.Nil(t, e.hooks)
			require.Nil(t, e.intercept)
			require.True(t, (e.rewrite != nil) != (e.timed != nil), "exactly one of rewrite and timed")
			require.Equal(t, e.timed != nil, v.name.timing())
			require.Len(t, variantRewrites([]Variant{v.name}, NewManualClock(t0)), 1)
		})
	}
}

// TestRegistriesShareOneShape: defects and variants are listed, looked up and refused by the
// same functions, each error naming its own kind.
func TestRegistriesShareOneShape(t *testing.T) {
	_, err := ParseDefect(string(VariantExtraFields))
	require.ErrorContains(t, err, `unknown defect "extra-fields": want one of cancel-completed-wrong-status, `)
	_, err = ParseVariant(string(DefectStuckCancelling))
	require.ErrorContains(t, err, `unknown variant "stuck-cancelling": want one of dates-as-datetimetype, `)
	require.Len(t, Defects(), len(defectDescriptions))
	require.Len(t, Variants(), len(variantDescriptions))
	for _, d := range defectDescriptions {
		m, ok := defectDescriptions.lookup(string(d.name))
		require.True(t, ok)
		require.Equal(t, d.description, m.description)
		_, ok = variantDescriptions.lookup(string(d.name))
		require.False(t, ok, "%s is a defect and a variant", d.name)
	}
}
