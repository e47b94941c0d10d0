// Command conform checks that an export-request API behaves as its vendor documents:
// cancellation answers, state transitions, and every exchange against the OpenAPI spec.
package main

import (
	"context"
	"os"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr))
}
