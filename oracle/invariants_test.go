package oracle

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/export"
)

func TestInvariants(t *testing.T) {
	list := Invariants()
	require.NotEmpty(t, list)
	names := map[string]bool{}
	for i, inv := range list {
		require.Equal(t, i+1, inv.Number, "numbered as in DESIGN §2, in order")
		require.NotEmpty(t, inv.Name)
		require.False(t, names[inv.Name], "names must be distinct: %s", inv.Name)
		names[inv.Name] = true
		require.Equal(t, inv.Name, InvariantName(inv.Number), "InvariantName reads the list")
		require.True(t, strings.HasSuffix(inv.Text, "."), "one sentence: %q", inv.Text)
		require.Equal(t, 1, strings.Count(inv.Text, ". ")+1, "one sentence: %q", inv.Text)
		require.Zero(t, strings.Count(inv.Text, "`")%2, "backquotes pair up: %q", inv.Text)
	}
	require.Equal(t, "completed-is-final", InvariantName(InvariantCompletedIsFinal))
	require.Empty(t, InvariantName(0))
	require.Empty(t, InvariantName(len(list)+1))

	list[0].Name = "changed"
	require.Equal(t, "valid-progress", Invariants()[0].Name, "the slice is the caller's")
}

// TestInvariantsAreWhatTheOracleChecks breaks each invariant once: the oracle reports every
// invariant of the list and none outside it, so the list a report shows cannot promise a check
// the oracle does not make, nor leave one out.
func TestInvariantsAreWhatTheOracleChecks(t *testing.T) {
	breaks := breakingSequences()
	var seen []int
	for _, docs := range breaks {
		o := New()
		for i, d := range docs {
			for _, b := range o.Observe(asked, observation(i+1, d)) {
				if !slices.Contains(seen, b.Invariant) {
					seen = append(seen, b.Invariant)
				}
			}
		}
	}
	slices.Sort(seen)
	var listed []int
	for _, inv := range Invariants() {
		listed = append(listed, inv.Number)
	}
	require.Equal(t, listed, seen)
}

// TestEvidenceBeforeEveryBreach: an invariant can only break on a document that gave evidence
// for it, so Evidence must name every invariant the oracle reports, for each document that
// breaks one; and a lone document that breaks nothing gives evidence for little.
func TestEvidenceBeforeEveryBreach(t *testing.T) {
	sequences := append(breakingSequences(),
		[]export.Status{doc(cancelling, refnum(pending)), doc(cancelling, refnum(succeeded))})
	breached := map[int]bool{}
	for _, docs := range sequences {
		o := New()
		var earlier []Observation
		for i, d := range docs {
			obs := observation(i+1, d)
			ev := Evidence(earlier, obs, true)
			for _, b := range o.Observe(asked, obs) {
				breached[b.Invariant] = true
				require.Contains(t, ev, b.Invariant, "document %d of %v breaks invariant %d without evidence %v", i+1, docs, b.Invariant, ev)
			}
			earlier = append(earlier, obs)
		}
	}
	require.Len(t, breached, len(Invariants()), "the sequences break every invariant")

	lone := observation(1, doc(processing, refnum(pending)))
	require.Equal(t, []int{InvariantValidProgress}, Evidence(nil, lone, false), "a create's answer: only its own progress")
	require.Equal(t, []int{InvariantValidProgress, InvariantRequestIDMatches}, Evidence(nil, lone, true))
	second := observation(2, doc(cancelled, refnum(cancelled)))
	require.Equal(t, []int{1, 5, 6, 7, 8, 9}, Evidence([]Observation{lone}, second, true))

	// 9 needs an item listed before, or a document with items after a cancelling one.
	bare := observation(1, doc(pending))
	require.NotContains(t, Evidence([]Observation{bare}, observation(2, doc(processing, refnum(pending))), true), InvariantItemsAreKept,
		"a running request's first list of tables breaks nothing")
	stopping := observation(2, doc(cancelling))
	require.Contains(t, Evidence([]Observation{bare, stopping}, observation(3, doc(cancelled, refnum(succeeded))), true), InvariantItemsAreKept,
		"tables after a cancel may be new ones")
	require.NotContains(t, Evidence([]Observation{bare, stopping}, observation(3, doc(cancelled)), true), InvariantItemsAreKept)
	require.Contains(t, Evidence([]Observation{lone}, observation(2, doc(processing)), true), InvariantItemsAreKept,
		"a table listed before may have gone")
}

// breakingSequences returns sequences of documents, each breaking one invariant, every
// invariant once, in order.
func breakingSequences() [][]export.Status {
	type S = []export.Status
	return []S{
		{doc("done")},
		{doc(succeeded, shipment(succeeded)), doc(succeeded, shipment(succeeded), refnum(succeeded))},
		{doc(cancelling), doc(processing)},
		{doc(processing, refnum(failed)), doc(processing, refnum(succeeded))},
		{doc(cancelled, refnum(processing))},
		{with(doc(processing), func(d *export.Status) { d.Result.Body.RequestID = "777" })},
		{doc(processing, refnum(processing)), doc(processing, refnum(pending))},
		{doc(cancelling, refnum(pending)), doc(cancelled, refnum(interrupted))},
		{doc(processing, refnum(processing)), doc(processing)},
	}
}
