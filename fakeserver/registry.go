package fakeserver

import (
	"fmt"
	"slices"
	"strings"
)

// A defect and a variant are two kinds of one thing: a mode of the fake, named, described for a
// reader, and given one effect on the correct fake. The two registries (defectDescriptions in
// defects.go, variantDescriptions in variants.go) have the one shape below, and the same
// functions list them (Defects, Variants), look a name up (ParseDefect, ParseVariant) and apply
// the modes a server is given (New).

// mode is one entry of a registry: a defect or a variant.
type mode[N Defect | Variant] struct {
	name        N
	description string // for a reader: what the fake then does, and what it does otherwise
	effect      effect
}

// registry lists the modes of one kind. Its order is the order in which their effects apply to
// one answer, each rewrite to what the ones before it left.
type registry[N Defect | Variant] []mode[N]

// effect is what one mode does to the correct fake: exactly one of its fields is set. A defect
// sets hooks, intercept or rewrite; a variant sets rewrite or timed.
type effect struct {
	hooks     func(*hooks)        // sets hooks of the state machine (hooks.go)
	intercept intercept           // acts before a handler (decorator.go)
	rewrite   rewrite             // rewrites an answer (decorator.go)
	timed     func(Clock) rewrite // makes the rewrite of one server, on its clock (timing.go)
}

// Info describes one defect or one variant for a listing: its name and its description.
type Info[N Defect | Variant] struct {
	Name        N
	Description string
}

// kind names the kind of mode N is, for messages: "defect" or "variant".
func kind[N Defect | Variant]() string {
	var n N
	if _, ok := any(n).(Defect); ok {
		return "defect"
	}
	return "variant"
}

// list returns every mode of r with its description, sorted by name.
func (r registry[N]) list() []Info[N] {
	out := make([]Info[N], 0, len(r))
	for _, m := range r {
		out = append(out, Info[N]{Name: m.name, Description: m.description})
	}
	slices.SortFunc(out, func(a, b Info[N]) int { return strings.Compare(string(a.Name), string(b.Name)) })
	return out
}

// lookup returns the mode of r called name, exactly as list names it.
func (r registry[N]) lookup(name string) (mode[N], bool) {
	i := slices.IndexFunc(r, func(m mode[N]) bool { return string(m.name) == name })
	if i < 0 {
		return mode[N]{}, false
	}
	return r[i], true
}

// parse returns the mode of r called name. An unknown name is an error that lists the known ones.
func (r registry[N]) parse(name string) (N, error) {
	if m, ok := r.lookup(name); ok {
		return m.name, nil
	}
	names := make([]string, 0, len(r))
	for _, info := range r.list() {
		names = append(names, string(info.Name))
	}
	return "", fmt.Errorf("unknown %s %q: want one of %s", kind[N](), name, strings.Join(names, ", "))
}

// effectSet is what a server's defects and variants add to the correct fake: the hooks of its
// state machine, nil when no defect changes it, and the intercepts and rewrites of its
// decorator, none when nothing garbles or rewrites its answers.
type effectSet struct {
	hooks      *hooks
	intercepts []intercept
	rewrites   []rewrite
}

// add adds to set the effects of the modes of r that list names, in r's order, whatever the
// order or the repeats of list; the timed ones on clock. It panics on a name r does not list: a
// Defect or a Variant comes from one of the constants or from ParseDefect or ParseVariant, so an
// unknown one is a bug in the caller, and a fake that silently behaved correctly, or wrote the
// plain answers, would make a mutation or a tolerance test pass for the wrong reason.
func (r registry[N]) add(set *effectSet, list []N, clock Clock) {
	on := make(map[N]bool, len(list))
	for _, n := range list {
		if _, err := r.parse(string(n)); err != nil {
			panic("fakeserver.New: " + err.Error())
		}
		on[n] = true
	}
	for _, m := range r {
		switch e := m.effect; {
		case !on[m.name]:
		case e.hooks != nil:
			if set.hooks == nil {
				set.hooks = &hooks{}
			}
			e.hooks(set.hooks)
		case e.intercept != nil:
			set.intercepts = append(set.intercepts, e.intercept)
		case e.rewrite != nil:
			set.rewrites = append(set.rewrites, e.rewrite)
		case e.timed != nil:
			set.rewrites = append(set.rewrites, e.timed(clock))
		}
	}
}

// decorator returns the decorator of s's handlers.
func (set effectSet) decorator(s *Server) *decorator {
	return &decorator{s: s, intercepts: set.intercepts, rewrites: set.rewrites}
}
