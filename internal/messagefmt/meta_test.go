package messagefmt

import (
	"os"
	"regexp"
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestModuleVersion(t *testing.T) {
	tests := []struct {
		name string
		info *debug.BuildInfo
		want string
	}{
		{"no build info", nil, ""},
		{"not a dependency (a test binary)", &debug.BuildInfo{}, ""},
		{"a dependency", &debug.BuildInfo{Deps: []*debug.Module{
			{Path: "github.com/other/module", Version: "v9.9.9"},
			{Path: godogModule, Version: "v0.16.0"},
		}}, "0.16.0"},
		{"a replaced dependency", &debug.BuildInfo{Deps: []*debug.Module{
			{Path: godogModule, Version: "v0.16.0", Replace: &debug.Module{Path: "example.com/fork", Version: "v0.16.1-fix"}},
		}}, "0.16.1-fix"},
		{"replaced by a directory", &debug.BuildInfo{Deps: []*debug.Module{
			{Path: godogModule, Version: "v0.16.0", Replace: &debug.Module{Path: "../godog"}},
		}}, "0.16.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, moduleVersion(tt.info, godogModule))
		})
	}
}

// TestProtocolVersionMatchesGoMod fails when the messages module is upgraded without
// ProtocolVersion.
func TestProtocolVersionMatchesGoMod(t *testing.T) {
	gomod, err := os.ReadFile("../../go.mod")
	require.NoError(t, err)
	m := regexp.MustCompile(`(?m)^\s*github\.com/cucumber/messages/go/v34 v(\S+)`).FindSubmatch(gomod)
	require.NotNil(t, m, "go.mod requires no github.com/cucumber/messages/go/v34")
	require.Equal(t, string(m[1]), ProtocolVersion)
}
