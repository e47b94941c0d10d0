package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// version is conform's own version; release builds set it with -ldflags "-X main.version=…".
var version = "dev"

func versionCmd(_ context.Context, args []string, _ func(string) string, _ io.Reader, stdout, _ io.Writer) error {
	fs := newFlagSet("version")
	if err := parseFlags(fs, "conform version", args, stdout); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "conform %s (%s", version, runtime.Version())
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, d := range info.Deps {
			switch d.Path {
			case "github.com/cucumber/godog", "github.com/getkin/kin-openapi":
				fmt.Fprintf(stdout, ", %s %s", d.Path, d.Version)
			}
		}
	}
	fmt.Fprintln(stdout, ")")
	return nil
}
