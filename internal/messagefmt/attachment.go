package messagefmt

import (
	"encoding/base64"
	"unicode/utf8"

	"github.com/cucumber/godog"
	messages "github.com/cucumber/messages/go/v34"

	"github.com/conform-harness/conform/internal/mediatype"
)

// defaultMediaType is the media type of an attachment that names none.
const defaultMediaType = "application/octet-stream"

// attachment is the attachment message of a, attached to a test step. Text (as
// mediatype.IsText says: text, JSON, XML) that is valid UTF-8 is written as it is (IDENTITY), so
// that the report can be read and searched; anything else is base64-encoded.
func attachment(a godog.Attachment, testCaseStartedID, testStepID string) *messages.Attachment {
	m := &messages.Attachment{
		Body:              base64.StdEncoding.EncodeToString(a.Body),
		ContentEncoding:   messages.AttachmentContentEncoding_BASE64,
		FileName:          a.FileName,
		MediaType:         a.MediaType,
		TestCaseStartedId: testCaseStartedID,
		TestStepId:        testStepID,
	}
	if m.MediaType == "" {
		m.MediaType = defaultMediaType
	}
	if mediatype.IsText(m.MediaType) && utf8.Valid(a.Body) {
		m.Body = string(a.Body)
		m.ContentEncoding = messages.AttachmentContentEncoding_IDENTITY
	}
	return m
}
