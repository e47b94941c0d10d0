package main

import (
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestVersionOf covers each source of the version: the release's ldflags, the module's version
// (go install …@v1.2.3), a clone's commit (vcs.revision, vcs.time, vcs.modified), and none.
func TestVersionOf(t *testing.T) {
	const rev = "12420e5abcdef0123456789abcdef0123456789a"
	vcs := func(modified string) []debug.BuildSetting {
		return []debug.BuildSetting{
			{Key: "-trimpath", Value: "true"},
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: rev},
			{Key: "vcs.time", Value: "2026-12-06T22:28:03Z"},
			{Key: "vcs.modified", Value: modified},
		}
	}
	built := func(module string, settings []debug.BuildSetting) *debug.BuildInfo {
		return &debug.BuildInfo{Main: debug.Module{Path: "github.com/conform-harness/conform", Version: module}, Settings: settings}
	}
	tests := []struct {
		name    string
		release string
		info    *debug.BuildInfo
		want    string
	}{
		{"a release's ldflags win over everything", "v1.2.3", built("v0.9.0", vcs("true")), "v1.2.3"},
		{"a release's ldflags without build info", "v1.2.3", nil, "v1.2.3"},
		{"go install …@v1.2.3", "", built("v1.2.3", nil), "v1.2.3"},
		{"go install …@a-commit: the pseudo-version", "", built("v0.0.0-20261206222803-12420e5abcde", nil), "v0.0.0-20261206222803-12420e5abcde"},
		{"a clean clone", "", built("v0.0.0-20261206222803-12420e5abcde", vcs("false")), "devel-12420e5abcde-20261206T222803Z"},
		{"a clone with changes", "", built("v0.0.0-20261206222803-12420e5abcde+dirty", vcs("true")), "devel-12420e5abcde-20261206T222803Z-dirty"},
		{"a clone, no module version (older Go)", "", built("(devel)", vcs("false")), "devel-12420e5abcde-20261206T222803Z"},
		{"a clone at a tag", "", built("v1.2.3", vcs("false")), "v1.2.3"},
		{"a clone at a tag, with changes", "", built("v1.2.3+dirty", vcs("true")), "v1.2.3+dirty"},
		{"a commit without a time", "", built("(devel)", []debug.BuildSetting{{Key: "vcs.revision", Value: "abc"}}), "devel-abc"},
		{"go run, go test: nothing recorded", "", built("(devel)", nil), "dev"},
		{"no build info", "", nil, "dev"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, versionOf(tt.release, tt.info))
		})
	}
}

// TestVersionFlag: `conform --version` prints what `conform version` prints, and the version the
// release's ldflags set.
func TestVersionFlag(t *testing.T) {
	code, want, _ := conform(t, "version")
	require.Equal(t, exitPass, code)
	for _, flag := range []string{"--version", "-version"} {
		code, out, errOut := conform(t, flag)
		require.Equal(t, exitPass, code, errOut)
		require.Equal(t, want, out)
		require.Empty(t, errOut)
	}

	old := version
	t.Cleanup(func() { version = old })
	version = "v1.2.3"
	_, out, _ := conform(t, "--version")
	require.Regexp(t, `^conform v1\.2\.3 \(go1\.`, out)
}
