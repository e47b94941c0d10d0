package steps

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/cucumber/godog"
	"github.com/stretchr/testify/require"
)

// TestCatalogIsWhatIsRegistered compares the catalog with the steps godog itself lists as
// registered (its ShowStepDefinitions), so that conform steps and the suggestions for an
// undefined step cannot drift from the steps that run.
func TestCatalogIsWhatIsRegistered(t *testing.T) {
	var out bytes.Buffer
	godog.TestSuite{
		ScenarioInitializer: Initializer(Config{}),
		Options:             &godog.Options{ShowStepDefinitions: true, Output: &out, Format: "progress", NoColors: true},
	}.Run()
	ansi := regexp.MustCompile("\x1b\\[[0-9;]*m")
	var registered []string
	for _, line := range strings.Split(ansi.ReplaceAllString(out.String(), ""), "\n") {
		if i := strings.LastIndex(line, "# "); i > 0 {
			registered = append(registered, strings.TrimSpace(line[:i]))
		}
	}
	var listed []string
	for _, d := range Definitions() {
		listed = append(listed, d.Pattern)
		example, _, _ := strings.Cut(d.Example, "\n")
		require.True(t, regexp.MustCompile(d.Pattern).MatchString(example), "the example of %s does not match it", d.Pattern)
		require.Contains(t, []string{"Given", "When", "Then"}, d.Kind)
		require.NotEmpty(t, d.Does)
	}
	require.Equal(t, registered, listed)
}

func TestClosestSuggestsWhatWasMeant(t *testing.T) {
	require.True(t, Known("the answer is 404 Not Found"))
	require.False(t, Known("the answer is 418 I'm a teapot"))
	require.Equal(t, "the answer is 404 Not Found", Closest("the answer is 418 I'm a teapot", 1)[0])
	require.Equal(t, "I cancel the export request", Closest("I cancel the request", 3)[0])
	require.Len(t, Closest("anything", 3), 3)
}
