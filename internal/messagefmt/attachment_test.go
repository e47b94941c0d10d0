package messagefmt

import (
	"testing"

	"github.com/cucumber/godog"
	messages "github.com/cucumber/messages/go/v34"
	"github.com/stretchr/testify/require"
)

func TestAttachmentEncoding(t *testing.T) {
	const identity, base64 = messages.AttachmentContentEncoding_IDENTITY, messages.AttachmentContentEncoding_BASE64
	tests := []struct {
		name, mediaType, body string
		wantType              string
		wantEncoding          messages.AttachmentContentEncoding
		wantBody              string
	}{
		{"plain text", "text/plain", "héllo", "text/plain", identity, "héllo"},
		{"text with parameters", "text/html; charset=utf-8", "<p>", "text/html; charset=utf-8", identity, "<p>"},
		{"JSON", "application/json", `{"a":1}`, "application/json", identity, `{"a":1}`},
		{"a +json type", "application/vnd.conform.exchange+json", `{}`, "application/vnd.conform.exchange+json", identity, `{}`},
		{"text that is not UTF-8", "text/plain", "\xff\xfe", "text/plain", base64, "//4="},
		{"binary", "image/png", "\x89PNG", "image/png", base64, "iVBORw=="},
		{"XML", "application/xml", "<a/>", "application/xml", identity, "<a/>"},
		{"a media type in capitals", "Application/JSON", `{}`, "Application/JSON", identity, `{}`},
		{"no media type", "", "x", "application/octet-stream", base64, "eA=="},
		{"a malformed media type", "text/", "x", "text/", base64, "eA=="},
		{"empty body", "text/plain", "", "text/plain", identity, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := attachment(godog.Attachment{Body: []byte(tt.body), MediaType: tt.mediaType, FileName: "f"}, "case", "step")
			require.Equal(t, &messages.Attachment{
				Body:              tt.wantBody,
				ContentEncoding:   tt.wantEncoding,
				FileName:          "f",
				MediaType:         tt.wantType,
				TestCaseStartedId: "case",
				TestStepId:        "step",
			}, got)
		})
	}
}
