package export

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"time"
)

// DateTimePattern is the shape of a date-time the harness accepts, as a regular expression: RFC
// 3339 (`2022-11-29T15:21:58Z`, `2022-11-29T15:21:58+01:00`), and the ISO 8601 forms the vendor's
// Java stack writes that RFC 3339 does not allow: an offset without its colon (`+0000`) or with
// hours only (`+00`), and a time without seconds (`2022-11-29T16:05Z`), which is how Java's
// OffsetDateTime.toString() writes an instant whose seconds are zero. Fractional seconds
// (`…:58.000`) are RFC 3339 already; without seconds there are none. The spec
// (openapi/export-api.yaml) gives its date-time strings this very pattern, which a test of the
// openapi package checks, so that the spec and DateTime.Time accept the same strings.
const DateTimePattern = `^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[Tt]([01][0-9]|2[0-3]):[0-5][0-9](:([0-5][0-9]|60)(\.[0-9]+)?)?([Zz]|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$`

var dateTimeShape = regexp.MustCompile(DateTimePattern)

// dateTimeLayouts parse what DateTimePattern matches, once upper-cased: time.Parse takes
// fractional seconds after the seconds whatever the layout says, and "Z07…" takes "Z" too. The
// last three are the same without seconds.
var dateTimeLayouts = [...]string{
	"2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05Z07",
	"2006-01-02T15:04Z07:00", "2006-01-02T15:04Z0700", "2006-01-02T15:04Z07",
}

// DateTime is a date-time of a document as the server wrote it: a JSON string, or the vendor's
// dateTimeType object, {"value": "<date-time>", "timezone": "<zone>"} (timezone optional). How a
// date is written is not part of the contract, so every form decodes, and a malformed date too:
// the spec says what is wrong with it, and the document around it still decodes, so that the
// harness can report on it. Time gives the instant when the text is one.
//
// The zero DateTime is the absent date (a field left out, or null). A DateTime encodes in the
// form it was decoded from, so a document encodes back as it came.
type DateTime struct {
	// Value is the date-time's text as sent: the string, or the dateTimeType's value. A value
	// that is not a JSON string (a number, say) is kept as its JSON text; null is "".
	Value string `json:"value"`
	// Timezone is the dateTimeType's timezone, "" when it has none (or is null), and for a
	// date sent as a string.
	Timezone string `json:"timezone,omitempty"`
	// Wrapped is true when the date came as a dateTimeType object; it then encodes as one.
	Wrapped bool `json:"-"`
}

// Time returns the instant the date names, and false when Value does not match
// DateTimePattern or names no instant (a 30 February, a leap second).
func (d DateTime) Time() (time.Time, bool) {
	if !dateTimeShape.MatchString(d.Value) {
		return time.Time{}, false
	}
	s := strings.ToUpper(d.Value) // RFC 3339 allows "t" and "z"; time.Parse wants them upper-case
	for _, layout := range dateTimeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// IsZero reports whether the date is absent: left out, or null.
func (d DateTime) IsZero() bool { return d == DateTime{} }

// String returns the date's text as sent, and its timezone in brackets when it has one.
func (d DateTime) String() string {
	if d.Timezone != "" {
		return d.Value + " [" + d.Timezone + "]"
	}
	return d.Value
}

// UnmarshalJSON accepts a string, a dateTimeType object and null, and keeps any other JSON
// value as its text: it fails only where encoding/json would for any value (invalid JSON).
func (d *DateTime) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	*d = DateTime{}
	switch {
	case len(b) == 0 || b[0] == 'n':
		return nil // null: no date
	case b[0] == '{':
		var obj struct {
			Value    json.RawMessage `json:"value"`
			Timezone json.RawMessage `json:"timezone"`
		}
		if err := json.Unmarshal(b, &obj); err != nil {
			return err
		}
		d.Wrapped = true
		d.Value = textOf(obj.Value)
		d.Timezone = textOf(obj.Timezone)
		return nil
	}
	d.Value = textOf(b)
	return nil
}

// textOf is a JSON string's value, null's "", and any other value's JSON text.
func textOf(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0 || string(raw) == "null":
		return ""
	case raw[0] == '"':
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
	}
	return string(raw)
}

// MarshalJSON writes a date decoded from a dateTimeType (Wrapped) as one, and any other as a
// string. A zero DateTime is "": leave it out with the omitzero option.
func (d DateTime) MarshalJSON() ([]byte, error) {
	if !d.Wrapped {
		return json.Marshal(d.Value)
	}
	type wire struct { // without the methods, so that encoding/json writes the fields
		Value    string `json:"value"`
		Timezone string `json:"timezone,omitempty"`
	}
	return json.Marshal(wire{Value: d.Value, Timezone: d.Timezone})
}
