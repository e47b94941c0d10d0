// Package features embeds the Gherkin features: the living documentation of how cancelling an
// export request behaves, and the suite conform runs.
package features

import "embed"

// FS holds every .feature file of this folder.
//
//go:embed *.feature
var FS embed.FS
