package messagefmt

import (
	"runtime"
	"runtime/debug"
	"strings"

	messages "github.com/cucumber/messages/go/v34"
)

// ProtocolVersion is the version of the Cucumber Messages protocol written: the version of
// github.com/cucumber/messages/go/v34 whose types the formatter uses (the module has no constant
// for it; a test checks the two agree).
const ProtocolVersion = "34.2.0"

// godogModule is the module path of godog, whose version meta reports.
const godogModule = "github.com/cucumber/godog"

// meta describes the run's implementation (godog: the schema asks for the Cucumber
// implementation), runtime, OS and CPU.
func meta() *messages.Meta {
	info, _ := debug.ReadBuildInfo()
	return &messages.Meta{
		ProtocolVersion: ProtocolVersion,
		Implementation:  &messages.Product{Name: "godog", Version: moduleVersion(info, godogModule)},
		Runtime:         &messages.Product{Name: "go", Version: runtime.Version()},
		Os:              &messages.Product{Name: runtime.GOOS},
		Cpu:             &messages.Product{Name: runtime.GOARCH},
	}
}

// moduleVersion returns the version of the dependency path that info records, without its "v",
// or "" when info (which may be nil) does not list it: test binaries list no dependencies, and
// godog.Version is a placeholder unless godog is the main module.
func moduleVersion(info *debug.BuildInfo, path string) string {
	if info == nil {
		return ""
	}
	for _, dep := range info.Deps {
		if dep.Path != path {
			continue
		}
		if dep.Replace != nil && dep.Replace.Version != "" {
			dep = dep.Replace
		}
		return strings.TrimPrefix(dep.Version, "v")
	}
	return ""
}
