// Package fakeserver is the bundled fake of the vendor's export-request API: submit an export,
// poll its status, cancel it. A Server is an http.Handler; Put and Status let the harness's
// bundled arranger place requests in exactly the state a scenario needs.
//
// It is built in four layers, each in its own files and each built on the ones before it:
//
//  1. The state machine (machine.go): one export request and its tables, moving through the
//     transitions of DESIGN §2. It is evaluated lazily from an injected Clock (clock.go), with no
//     goroutines and no timers, so a ManualClock makes runs deterministic and waiting free.
//     hooks.go names the few decisions in it that a defect may change.
//  2. The store (store.go): every request of one server under one mutex. It creates them, seeds
//     them (seed.go), cancels them, evicts completed ones when full (evict.go), keeps completed
//     ones compactly (compact.go), and encodes status documents straight from its state into the
//     caller's buffer (encode.go). The typed document (document.go) is only for Server.Status.
//  3. The HTTP front (server.go, routes.go, handlers.go, body.go, requestlog.go): credentials,
//     routing, and small handlers that translate the store's results into answers, through one
//     writeError and one writeBody. The layers below fail with domain errors carrying a code
//     (errors.go), which one table maps to HTTP statuses.
//  4. The defects (defects.go, decorator.go), with Options.Defects: the ways the fake breaks the
//     API's contract on purpose, so that a harness can be shown to catch them. Each defect either
//     sets hooks of the state machine, or decorates the front's handlers to intercept a call or
//     rewrite an answer the correct handler made. The variants (variants.go, ordered.go), with
//     Options.Variants, are the opposite of defects and ride on the same decorator: legitimate
//     forms a server of the vendor's stack may write its answers in (dates as dateTimeType
//     objects, vendor media types, its error documents), which a harness must accept. Each
//     rewrites the answers of the correct fake, after any defect's. Two of them (timing.go)
//     make a state show a moment late: a request just created, or just cancelled. Defects and
//     variants are kept in registries of one shape (registry.go): a name, a description and one
//     effect each, listed, looked up and applied by the same functions.
//
// A fake with defects or variants is therefore the correct fake and runs its path: the same
// handlers, the same store and the same encoder answer every request, and a plain, correct fake
// has nil hooks and bare handlers, so it pays nothing for the defects and variants it does not
// use.
package fakeserver
