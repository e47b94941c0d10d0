package suite

import (
	"encoding/json"
	"fmt"
)

// The Cucumber JSON godog v0.16 writes (its internal/formatters/fmt_cucumber.go), field for
// field, so that a report read back and written again is byte for byte what godog wrote, but
// for what withCucumberSkips changes. godog writes no error_message for a skipped step.
type cukeFeature struct {
	URI         string        `json:"uri"`
	ID          string        `json:"id"`
	Keyword     string        `json:"keyword"`
	Name        string        `json:"name"`
	Description string        `json:"description"`
	Line        int           `json:"line"`
	Comments    []cukeComment `json:"comments,omitempty"`
	Tags        []cukeTag     `json:"tags,omitempty"`
	Elements    []cukeElement `json:"elements,omitempty"`
}

type cukeComment struct {
	Value string `json:"value"`
	Line  int    `json:"line"`
}

type cukeTag struct {
	Name string `json:"name"`
	Line int    `json:"line"`
}

type cukeElement struct {
	ID          string     `json:"id"`
	Keyword     string     `json:"keyword"`
	Name        string     `json:"name"`
	Description string     `json:"description"`
	Line        int        `json:"line"`
	Type        string     `json:"type"`
	Tags        []cukeTag  `json:"tags,omitempty"`
	Steps       []cukeStep `json:"steps,omitempty"`
}

type cukeStep struct {
	Keyword    string              `json:"keyword"`
	Name       string              `json:"name"`
	Line       int                 `json:"line"`
	Docstring  *cukeDocstring      `json:"doc_string,omitempty"`
	Match      cukeMatch           `json:"match"`
	Result     cukeResult          `json:"result"`
	DataTable  []*cukeDataTableRow `json:"rows,omitempty"`
	Embeddings []cukeEmbedding     `json:"embeddings,omitempty"`
}

type cukeDocstring struct {
	Value       string `json:"value"`
	ContentType string `json:"content_type"`
	Line        int    `json:"line"`
}

type cukeMatch struct {
	Location string `json:"location"`
}

type cukeResult struct {
	Status   string `json:"status"`
	Error    string `json:"error_message,omitempty"`
	Duration *int   `json:"duration,omitempty"`
}

type cukeDataTableRow struct {
	Cells []string `json:"cells"`
}

type cukeEmbedding struct {
	Name     string `json:"name"`
	MimeType string `json:"mime_type"`
	Data     string `json:"data"`
}

// withCucumberSkips returns godog's Cucumber JSON report b with the reason of each scenario
// skipped for a precondition as the error_message of the step that was skipped for it, where
// Cucumber's own JSON puts the reason of a skipped step (the step also carries the reason as
// an embedding, evidence.SkipMediaType). b is returned as it is when no scenario was skipped.
func withCucumberSkips(b []byte, skips []reportCase) ([]byte, error) {
	if len(skips) == 0 {
		return b, nil
	}
	var feats []cukeFeature
	if err := json.Unmarshal(b, &feats); err != nil {
		return nil, fmt.Errorf("read godog's Cucumber JSON report: %w", err)
	}
	for _, s := range skips {
		el := findElement(feats, s.uri, s.name, s.rank)
		if el == nil {
			continue
		}
		for i := range el.Steps {
			if st := &el.Steps[i]; st.Name == s.step && st.Result.Status == "skipped" && st.Result.Error == "" {
				st.Result.Error = s.reason
				break
			}
		}
	}
	out, err := json.MarshalIndent(feats, "", "    ")
	if err != nil {
		return nil, fmt.Errorf("write the Cucumber JSON report: %w", err)
	}
	return append(out, '\n'), nil
}

// findElement returns the rank-th scenario called name of the feature in file uri.
func findElement(feats []cukeFeature, uri, name string, rank int) *cukeElement {
	for f := range feats {
		if feats[f].URI != uri {
			continue
		}
		n := 0
		for e := range feats[f].Elements {
			if el := &feats[f].Elements[e]; el.Name == name {
				if n == rank {
					return el
				}
				n++
			}
		}
	}
	return nil
}
