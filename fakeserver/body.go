package fakeserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"

	"github.com/conform-harness/conform/export"
)

// createExample is shown in the detail of a body that is not even close.
const createExample = `{"tables":{"items":[{"tableName":"SHIPMENT"}]}}`

// MaxTableNameBytes is the longest table name a create or a seed may give, in bytes. A table
// name is a database identifier, and no major SQL database allows a longer one (Oracle Database
// and SQL Server stop at 128 bytes, PostgreSQL and MySQL sooner). The cap is what bounds the
// memory of stored table names, and so the worst case Options.MaxStoredTables states.
const MaxTableNameBytes = 128

// decodeCreate reads the body of a create and returns the table names in order; it refuses a
// body naming more than maxTables tables, or a name longer than MaxTableNameBytes. Fields the
// fake does not use (filters, fields) are allowed, as the vendor allows them. Every error is a
// CodeInvalidRequest or CodeTooLarge whose message says what is wrong.
func decodeCreate(body io.Reader, maxTables int) ([]string, error) {
	b, err := io.ReadAll(body)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, &Error{Code: CodeTooLarge, Message: fmt.Sprintf("request body is larger than %d bytes", tooLarge.Limit), Err: err}
		}
		return nil, &Error{Code: CodeInvalidRequest, Message: "request body could not be read", Err: err}
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, errorf(CodeInvalidRequest, "request body is empty: want a JSON object such as %s", createExample)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	var req export.CreateRequest
	if err := dec.Decode(&req); err != nil {
		return nil, &Error{Code: CodeInvalidRequest, Message: describeJSONError(err), Err: err}
	}
	end := dec.InputOffset()
	if _, err := dec.Token(); err != io.EOF {
		return nil, errorf(CodeInvalidRequest, "request body has more after the JSON object ending at byte %d: send one JSON object", end)
	}
	items := req.Tables.Items
	if len(items) == 0 {
		return nil, errorf(CodeInvalidRequest, "tables.items must list at least one table, as in %s", createExample)
	}
	if len(items) > maxTables {
		return nil, errorf(CodeInvalidRequest, "tables.items names %d tables, more than the %d one export request may name: split the export into several requests", len(items), maxTables)
	}
	seen := make(map[string]int, len(items))
	tables := make([]string, 0, len(items))
	for i, it := range items {
		name := it.TableName
		if strings.TrimSpace(name) == "" {
			return nil, errorf(CodeInvalidRequest, "tables.items[%d].tableName is missing or empty", i)
		}
		if len(name) > MaxTableNameBytes {
			return nil, errorf(CodeInvalidRequest, "tables.items[%d].tableName is %d bytes long, more than the %d a table name may have", i, len(name), MaxTableNameBytes)
		}
		if j, dup := seen[name]; dup {
			return nil, errorf(CodeInvalidRequest, "tables.items[%d].tableName %q repeats tables.items[%d]: name each table once", i, name, j)
		}
		seen[name] = i
		tables = append(tables, name)
	}
	return tables, nil
}

// describeJSONError turns a decoding error into a message that says where and what.
func describeJSONError(err error) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fmt.Sprintf("request body is not valid JSON: %v (at byte %d)", syntax, syntax.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "request body is not valid JSON: it ends too early"
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "request body"
		}
		return fmt.Sprintf("%s must be %s, not a JSON %s", field, jsonKind(typ.Type.Kind()), typ.Value)
	}
	return fmt.Sprintf("request body is not a valid export request: %v", err)
}

// jsonKind names the JSON shape a Go kind decodes from.
func jsonKind(kind reflect.Kind) string {
	switch kind {
	case reflect.Struct, reflect.Map:
		return "a JSON object"
	case reflect.Slice, reflect.Array:
		return "a JSON array"
	case reflect.String:
		return "a JSON string"
	case reflect.Bool:
		return "a JSON boolean"
	}
	return "a JSON number"
}
