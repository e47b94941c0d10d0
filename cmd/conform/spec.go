package main

import (
	"context"
	"io"

	"conform/openapi"
)

func specCmd(_ context.Context, args []string, _ func(string) string, _ io.Reader, stdout, _ io.Writer) error {
	fs := newFlagSet("spec")
	if err := parseFlags(fs, "conform spec", args, stdout); err != nil {
		return err
	}
	_, err := stdout.Write(openapi.Spec())
	return err
}
