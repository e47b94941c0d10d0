// Package judge is the judged HTTP exchange at the centre of conform: one request and its answer,
// validated against the spec and decoded once (Exchange, Judge), the verdicts of repeated answers
// remembered (Judger), each export request followed across its calls by the oracle (Follower,
// Auditor), and traffic grouped by export request (GroupByRequest). conform's own run, conform
// proxy and conform audit all judge through it. It imports neither godog nor the fake.
package judge
