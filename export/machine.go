package export

import "slices"

// Transition is one move of the state machine of DESIGN §2.
type Transition struct{ From, To Progress }

// The state machines of DESIGN §2, as lists of moves. A progress with no move from it is final.
var (
	// requestMoves: pending → processing → succeeded | failed, and pending | processing →
	// cancelling → cancelled.
	requestMoves = []Transition{
		{Pending, Processing}, {Processing, Succeeded}, {Processing, Failed},
		{Pending, Cancelling}, {Processing, Cancelling}, {Cancelling, Cancelled},
	}
	// itemMoves: pending → processing → succeeded | failed; an item still pending or processing
	// when a cancellation settles becomes cancelled.
	itemMoves = []Transition{
		{Pending, Processing}, {Processing, Succeeded}, {Processing, Failed},
		{Pending, Cancelled}, {Processing, Cancelled},
	}
)

// RequestTransitions returns the moves a request may make, in the order DESIGN §2 lists them.
// The slice is the caller's.
func RequestTransitions() []Transition { return slices.Clone(requestMoves) }

// ItemTransitions returns the moves a table item may make, in the order DESIGN §2 lists them.
// The slice is the caller's.
func ItemTransitions() []Transition { return slices.Clone(itemMoves) }

// RequestMayMove reports whether a request may move from one progress to the next in one step.
func RequestMayMove(from, to Progress) bool {
	return slices.Contains(requestMoves, Transition{from, to})
}

// ItemMayMove reports whether a table item may move from one progress to the next in one step.
func ItemMayMove(from, to Progress) bool { return slices.Contains(itemMoves, Transition{from, to}) }
