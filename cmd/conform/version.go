package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
)

// version is conform's version as a release build gives it: .ci/release sets it with
// -ldflags "-X main.version=v1.2.3". Empty in any other build, whose version comes from the
// build information instead (see versionOf).
var version string

// conformVersion is the version of this binary: version when a release build set it, else what
// the Go toolchain recorded in the binary (see versionOf).
func conformVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		info = nil
	}
	return versionOf(version, info)
}

// versionOf says which conform a binary is, as one word, from the first of these that knows:
//   - release, the version a release build set by ldflags;
//   - the module's version, when the binary was built as a released module
//     (go install github.com/conform-harness/conform/cmd/conform@v1.2.3) or from a clone whose
//     commit is tagged (v1.2.3, v1.2.3+dirty);
//   - the commit of a clone it was built from: "devel-" and the first 12 hex digits of
//     vcs.revision, the commit's time (vcs.time, as 20261206T222803Z) and "-dirty" when the work
//     tree had changes (vcs.modified), e.g. devel-12420e5abcde-20261206T222803Z-dirty. The
//     toolchain's pseudo-version (v0.0.0-20261206222803-12420e5abcde+dirty) says the same less
//     plainly, and is taken only when no commit is recorded (go install …@a-commit);
//   - "dev" when nothing is known (go run and go test record no commit), or info is nil.
func versionOf(release string, info *debug.BuildInfo) string {
	if release != "" {
		return release
	}
	if info == nil {
		return "dev"
	}
	module := info.Main.Version
	if module == "(devel)" {
		module = ""
	}
	var revision, at string
	modified := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if revision == "" {
		if module != "" {
			return module
		}
		return "dev"
	}
	short := revision[:min(len(revision), 12)]
	// A pseudo-version of the commit ends with its short revision; a tag does not.
	if module != "" && !strings.HasSuffix(strings.TrimSuffix(module, "+dirty"), "-"+short) {
		return module
	}
	v := "devel-" + short
	if at != "" {
		// RFC 3339 in UTC, as the toolchain records it, without the characters that make a word
		// hard to use in a file name or a tag: 2026-12-06T22:28:03Z becomes 20261206T222803Z.
		v += "-" + strings.NewReplacer("-", "", ":", "").Replace(at)
	}
	if modified {
		v += "-dirty"
	}
	return v
}

// printVersion writes conform's version, the Go release that built it and the versions of its
// engines: what `conform version` and `conform --version` print.
func printVersion(w io.Writer) {
	fmt.Fprintf(w, "conform %s (%s", conformVersion(), runtime.Version())
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, d := range info.Deps {
			switch d.Path {
			case "github.com/cucumber/godog", "github.com/getkin/kin-openapi":
				fmt.Fprintf(w, ", %s %s", d.Path, d.Version)
			}
		}
	}
	fmt.Fprintln(w, ")")
}

func versionCmd(_ context.Context, args []string, _ func(string) string, _ io.Reader, stdout, _ io.Writer) error {
	fs := newFlagSet("version")
	if err := parseFlags(fs, "conform version", args, stdout); err != nil {
		return err
	}
	printVersion(stdout)
	return nil
}
