package fakeserver

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/conform-harness/conform/export"
)

// appendStatus appends the status document of e, exactly as json.Marshal(e.document()) encodes
// it, without building the document or reflecting over it. It is the fake's one encoder of status
// documents: every create and status answer is made by it, with defects or without, and encoding
// through the document cost more than the rest of the handler together.
// TestAppendStatusMatchesMarshal and FuzzAppendStatus hold it to json.Marshal byte for byte.
func appendStatus(b []byte, e *task) []byte {
	b = append(b, `{"progress":`...)
	b = appendString(b, string(e.progress))
	if !e.started.IsZero() {
		b = append(b, `,"startTime":{"value":`...)
		b = appendWireTime(b, e.started)
		b = append(b, '}')
	}
	b = append(b, `,"completed":`...)
	b = strconv.AppendBool(b, e.completed())
	b = append(b, `,"result":{"body":{"requestID":`...)
	b = appendID(b, e.id)
	b = append(b, `,"submitDate":`...)
	b = appendWireTime(b, e.submitted)
	b = append(b, `,"tables":{"items":[`...)
	for i, it := range e.items {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendItem(b, e.id, i+1, it)
	}
	b = append(b, `]}}},"links":[{"rel":"self","href":`...)
	b = appendStatusPath(b, e.id)
	return append(b, `}]}`...)
}

// appendStatusPath appends statusPath(id) as a JSON string, as encoding/json writes it, without
// a string of its own.
func appendStatusPath(b []byte, id string) []byte {
	start := len(b)
	b = append(b, '"')
	b, err := export.AppendPath(b, export.Root, export.CallStatus, export.ID(id))
	if err != nil {
		panic("fakeserver: " + err.Error()) // as statusPath: the fake's ids always name a path
	}
	if path := b[start+1:]; !plain(path) {
		return appendString(b[:start], string(path)) // an & in the id, which encoding/json escapes
	}
	return append(b, '"')
}

// appendItem appends item it with the given 1-based id as (*item).document encodes.
func appendItem(b []byte, requestID string, id int, it *item) []byte {
	b = append(b, `{"itemID":`...)
	b = strconv.AppendInt(b, int64(id), 10)
	b = append(b, `,"itemName":`...)
	b = appendString(b, it.name)
	if !it.start.IsZero() {
		b = append(b, `,"startTime":`...)
		b = appendWireTime(b, it.start)
	}
	if !it.end.IsZero() {
		b = append(b, `,"endTime":`...)
		b = appendWireTime(b, it.end)
	}
	b = append(b, `,"progress":`...)
	b = appendString(b, string(it.progress))
	if it.progress != export.Succeeded {
		return append(b, `,"parts":{"count":0,"items":[]}}`...)
	}
	b = append(b, `,"totalResults":`...)
	b = strconv.AppendInt(b, it.records, 10)
	b = append(b, `,"offset":0,"totalRecordCount":`...)
	b = strconv.AppendInt(b, it.records, 10)
	b = append(b, `,"parts":{"count":1,"items":[{"partName":`...)
	b = appendString(b, "DATA_", requestID, "_", it.name, "_1_1.csv") // partName
	b = append(b, `,"recordCount":`...)
	b = strconv.AppendInt(b, it.records, 10)
	b = append(b, `,"checksum":`...)
	b = appendString(b, it.checksum)
	return append(b, `}]}}`...)
}

// appendWireTime appends t as wireTime formats it, quoted.
func appendWireTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.UTC().Truncate(time.Second).AppendFormat(b, time.RFC3339)
	return append(b, '"')
}

// appendID appends id as export.ID encodes it: a number when it is a plain integer.
func appendID(b []byte, id string) []byte {
	if _, err := strconv.ParseUint(id, 10, 63); err == nil && (len(id) == 1 || id[0] != '0') {
		return append(b, id...)
	}
	return appendString(b, id)
}

// appendString appends the concatenation of parts as one JSON string, the way encoding/json
// writes it. Printable ASCII that encoding/json leaves as it is (everything but `"`, `\` and the
// HTML-escaped <, > and &) is copied; anything else, rare in ids and table names, goes through
// encoding/json itself.
func appendString(b []byte, parts ...string) []byte {
	for _, s := range parts {
		if !plain(s) {
			quoted, _ := json.Marshal(strings.Join(parts, "")) // a string always encodes
			return append(b, quoted...)
		}
	}
	b = append(b, '"')
	for _, s := range parts {
		b = append(b, s...)
	}
	return append(b, '"')
}

// plain reports whether encoding/json writes s unchanged between its quotes.
func plain[S string | []byte](s S) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}
