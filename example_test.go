package conform_test

import (
	"os"
	"testing"

	"github.com/conform-harness/conform"
)

// A team's own test of its endpoint: the contract's scenarios, each a subtest of
// TestExportAPIConforms, against the URL in EXPORT_API_URL with the credentials in
// CONFORM_USERNAME and CONFORM_PASSWORD; with no URL, against the bundled fake. A tenant that
// answers a cancel with 204 says so in its contract.
func Example() {
	TestExportAPIConforms := func(t *testing.T) {
		conform.Run(t, conform.Options{
			BaseURL:  os.Getenv("EXPORT_API_URL"),
			Tags:     "not @needs-slow-cancel",
			Contract: conform.Contract{CancelAccepted: []int{200, 204}},
		})
	}
	_ = TestExportAPIConforms // in a _test.go file: func TestExportAPIConforms(t *testing.T) { … }
}
