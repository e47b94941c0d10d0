package messagefmt

import (
	"encoding/base64"
	"mime"
	"strings"
	"unicode/utf8"

	"github.com/cucumber/godog"
	messages "github.com/cucumber/messages/go/v34"
)

// defaultMediaType is the media type of an attachment that names none.
const defaultMediaType = "application/octet-stream"

// attachment is the attachment message of a, attached to a test step. Text and JSON that are
// valid UTF-8 are written as they are (IDENTITY), so that the report can be read and searched;
// anything else is base64-encoded.
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
	if isText(m.MediaType) && utf8.Valid(a.Body) {
		m.Body = string(a.Body)
		m.ContentEncoding = messages.AttachmentContentEncoding_IDENTITY
	}
	return m
}

// isText reports whether mediaType is text/*, application/json or a +json type.
func isText(mediaType string) bool {
	mt, _, err := mime.ParseMediaType(mediaType)
	if err != nil {
		return false
	}
	typ, sub, _ := strings.Cut(mt, "/")
	return typ == "text" || sub == "json" || strings.HasSuffix(sub, "+json")
}
