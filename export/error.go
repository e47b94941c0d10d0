package export

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// Error is the error document of an error answer, in the vendor's common shape (type, title,
// status, detail, instance, o:errorCode, o:errorPath, o:errorDetails): every field may be
// missing or null, and unknown fields pass. Its status may be a JSON number or a numeric string
// ("400"), as the vendor's REST stack writes either.
//
// The fields say what a reader usually looks for. What the document says for people may sit in
// any string of it, though (the title, the detail, a detail of o:errorDetails, an extension of
// the server's own): Strings has them all, in the order of the document.
type Error struct {
	Type         string        `json:"type"`
	Title        string        `json:"title"`
	Status       int           `json:"status"`
	Detail       string        `json:"detail"`
	Instance     string        `json:"instance,omitempty"`
	ErrorCode    string        `json:"o:errorCode,omitempty"`
	ErrorPath    string        `json:"o:errorPath,omitempty"`
	ErrorDetails []ErrorDetail `json:"o:errorDetails,omitempty"`

	texts []string // every string value of the document, in order; see Strings
}

// ErrorDetail is one entry of an error document's o:errorDetails.
type ErrorDetail struct {
	Detail    string `json:"detail"`
	ErrorCode string `json:"o:errorCode,omitempty"`
	ErrorPath string `json:"o:errorPath,omitempty"`
}

// Strings returns every string value of the document as decoded (not its keys), at any depth,
// in the order the document has them; nil for an Error that was not decoded from JSON. The
// slice is the caller's.
func (e Error) Strings() []string {
	return append([]string(nil), e.texts...)
}

// UnmarshalJSON decodes an error document: a status as a JSON number or a numeric string, null
// for any field. It fails on a status of any other form (a word, a fraction), which names no
// HTTP status.
func (e *Error) UnmarshalJSON(b []byte) error {
	type fields Error // Error without its methods, so that encoding/json fills the fields
	var doc struct {
		fields
		Status json.RawMessage `json:"status"` // shadows fields.Status: a number or a string
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return err
	}
	status, err := parseStatus(doc.Status)
	if err != nil {
		return err
	}
	*e = Error(doc.fields)
	e.Status = status
	e.texts = stringValues(b)
	return nil
}

// parseStatus reads an error document's status: a JSON integer, or a string of decimal digits;
// absent or null is 0.
func parseStatus(raw json.RawMessage) (int, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return 0, nil
	}
	text := string(raw)
	if raw[0] == '"' {
		if err := json.Unmarshal(raw, &text); err != nil {
			return 0, err
		}
	}
	if text == "" || len(text) > 9 || !digitsOnly(text) {
		return 0, fmt.Errorf("status must be an integer or a string of digits, got %s", raw)
	}
	return strconv.Atoi(text)
}

func digitsOnly(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// stringValues returns the string values of the JSON document b, keys left out, in order. b
// is valid JSON: encoding/json has just decoded it.
func stringValues(b []byte) []string {
	dec := json.NewDecoder(bytes.NewReader(b))
	var out []string
	var objects []bool // for each open container, whether it is an object
	key := false       // whether the next string is an object key
	for {
		tok, err := dec.Token()
		if err != nil { // io.EOF at the end
			return out
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				objects = append(objects, t == '{')
				key = t == '{'
				continue
			default:
				objects = objects[:len(objects)-1]
			}
		case string:
			if key {
				key = false
				continue
			}
			out = append(out, t)
		}
		// A value has ended: inside an object, a key comes next.
		key = len(objects) > 0 && objects[len(objects)-1]
	}
}
