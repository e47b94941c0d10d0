// Package judge is the judged HTTP exchange at the centre of conform: one request and its answer,
// validated against the spec and decoded once (Exchange, Judge), the verdicts of repeated answers
// remembered (Judger), the one history of each export request, with its oracle and what coverage
// needs of it, in one bound (Tracker), traffic judged exchange by exchange (Auditor), the verdict
// written out the one way, as a line, a log line or a step's error (Problem), and traffic
// grouped by export request (GroupByRequest). conform's own run, conform proxy, conform audit and
// conform load all judge through it. It imports neither godog nor the fake.
package judge
