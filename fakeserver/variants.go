package fakeserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/conform-harness/conform/export"
)

// Variant names one legitimate way of writing the fake's answers that a server of the vendor's
// stack may use where the use-case page is silent: dates as dateTimeType objects, vendor media
// types, the vendor's error documents, and so on. A variant breaks nothing: the same requests
// go through the same states, and a harness must pass against it exactly as against the plain
// fake. That is what it is for: to show that a harness does not fail a conforming server for
// its spelling. A Defect is the opposite, a way of breaking the contract that a harness must
// catch. See Options.Variants.
type Variant string

// The variants the fake can write its answers in. Each is described, and given its rewrite, in
// variantDescriptions.
const (
	VariantVisibleLater           Variant = "visible-later"
	VariantUnknownAfterCancel     Variant = "unknown-after-cancel"
	VariantIDsAsStrings           Variant = "ids-as-strings"
	VariantDatesISO8601Vendor     Variant = "dates-iso8601-vendor"
	VariantDatesJava              Variant = "dates-java-offsetdatetime"
	VariantDatesAsDateTimeType    Variant = "dates-as-datetimetype"
	VariantVendorErrorDocuments   Variant = "vendor-error-documents"
	VariantNullsForOptionalFields Variant = "nulls-for-optional-fields"
	VariantExtraFields            Variant = "extra-fields"
	VariantVendorMediaTypes       Variant = "vendor-media-types"
)

// variantDescriptions is the registry of variants (registry.go): what each writes otherwise, and
// the rewrite that does it. A Variant not listed here is unknown to New and ParseVariant.
//
// Every variant is a rewrite of the answer the correct fake made (decorator.go), so a fake with
// variants runs the one path of the correct fake. The rewrites apply in the registry's order,
// each to what the ones before it left, and after the rewrites of any defects: a defect breaks
// the plain answer, and a variant writes whatever came out in its own way. So the dates change
// their text before they are wrapped, the error documents take the vendor's shape before nulls
// and extra fields are added to it, and the media types change last, from application/json
// only, so that a defect's text/plain stays. The timing variants (timing.go) come first: they
// say when a state shows, and the others write what they say. Each makes its rewrite for one
// server (effect.timed), because it remembers on that server's clock when a moment began.
var variantDescriptions = registry[Variant]{
	{
		VariantVisibleLater,
		"A request just created answers its status 404 Not Found for a moment (" + VariantMoment.String() + "), " +
			"as an eventually consistent store does, instead of answering 200 at once.",
		effect{timed: visibleLater},
	},
	{
		VariantUnknownAfterCancel,
		`A request whose cancel was just accepted answers its status with progress "unknown" for a moment (` +
			VariantMoment.String() + `), instead of "cancelling" at once.`,
		effect{timed: unknownAfterCancel},
	},
	{
		VariantIDsAsStrings,
		`Status documents write requestID and itemID as JSON strings ("12345"), as the vendor's schema declares them, ` +
			"instead of the numbers of the use-case page.",
		effect{rewrite: idsAsStrings},
	},
	{
		VariantDatesISO8601Vendor,
		`Dates are ISO 8601 as the vendor's Java stack writes them, with milliseconds and an offset without colon ` +
			`(2022-11-29T15:21:58.000+0000), instead of RFC 3339 (2022-11-29T15:21:58Z).`,
		effect{rewrite: datesISO8601Vendor},
	},
	{
		VariantDatesJava,
		`A table's startTime and endTime are written as Java's OffsetDateTime.toString() writes them, in the offset +01:00: ` +
			`without seconds when they are zero (2022-11-29T16:22+01:00), with them otherwise (2022-11-29T16:21:58+01:00), ` +
			"instead of RFC 3339 in UTC. The request's own dates keep their form, so that a document carries both.",
		effect{rewrite: datesJava},
	},
	{
		VariantDatesAsDateTimeType,
		`Every date is the vendor's dateTimeType object: the request's startTime and submitDate as {"value": …, "timezone": "UTC"}, ` +
			`a table's startTime and endTime as {"value": …}, instead of plain strings.`,
		effect{rewrite: datesAsDateTimeType},
	},
	{
		VariantVendorErrorDocuments,
		`Error documents take the vendor's common shape: status as a string ("400"), instance, o:errorCode, o:errorPath, ` +
			`and the message only in o:errorDetails[0].detail, worded "The request is not in a cancellable state" ` +
			"for a cancel of a completed request.",
		effect{rewrite: vendorErrorDocuments},
	},
	{
		VariantNullsForOptionalFields,
		"Optional fields that have no value are written as null (a pending request's startTime, a table's times and counts, " +
			"a link's mediaType, an error's instance) instead of being left out.",
		effect{rewrite: nullsForOptionalFields},
	},
	{
		VariantExtraFields,
		"Documents carry fields the harness does not read: links as objects with name, kind and properties, " +
			"o:* keys, and paging fields (count, hasMore, limit, offset, totalResults) on the table and part lists.",
		effect{rewrite: extraFields},
	},
	{
		VariantVendorMediaTypes,
		"Status documents are answered as application/vnd.oracle.resource+json; type=singular and errors as " +
			"application/vnd.oracle.adf.error+json, instead of application/json.",
		effect{rewrite: vendorMediaTypes},
	},
}

// VariantInfo describes one variant for a listing.
type VariantInfo = Info[Variant]

// Variants returns every variant the fake can write its answers in, with its description,
// sorted by name.
func Variants() []VariantInfo { return variantDescriptions.list() }

// ParseVariant returns the variant called name (exactly, as Variants lists it). An unknown name
// is an error that lists the known ones.
func ParseVariant(name string) (Variant, error) { return variantDescriptions.parse(name) }

// variantRewrites returns the rewrites of list, in the registry's order, those of the timing
// variants on clock. It panics on an unknown variant (registry.add).
func variantRewrites(list []Variant, clock Clock) []rewrite {
	var set effectSet
	variantDescriptions.add(&set, list, clock)
	return set.rewrites
}

// What the variants do, one small function each, in the registry's order.

// idsAsStrings writes the ids of status documents as strings.
func idsAsStrings(a *heldAnswer) {
	if !a.statusDocument() {
		return
	}
	a.editJSON(func(doc *object) {
		numberAsString := func(o *object, key string) {
			if n, ok := o.get(key); ok {
				if n, ok := n.(json.Number); ok {
					o.set(key, string(n))
				}
			}
		}
		body := statusBody(doc)
		if body == nil {
			return
		}
		numberAsString(body, "requestID")
		for _, it := range statusItems(doc) {
			numberAsString(it, "itemID")
		}
	})
}

// vendorDateLayout is how the vendor's Java stack writes an instant: milliseconds, and an
// offset without colon, "+0000" for UTC.
const vendorDateLayout = "2006-01-02T15:04:05.000-0700"

// datesISO8601Vendor writes every date of status documents in the vendor's ISO 8601.
func datesISO8601Vendor(a *heldAnswer) {
	if !a.statusDocument() {
		return
	}
	a.editJSON(func(doc *object) {
		eachDate(doc, func(date any) any {
			text := func(v any) any {
				s, ok := v.(string)
				if !ok {
					return v
				}
				t, err := time.Parse(time.RFC3339, s)
				if err != nil {
					return v
				}
				return t.Format(vendorDateLayout)
			}
			if o, ok := date.(*object); ok {
				if v, ok := o.get("value"); ok {
					o.set("value", text(v))
				}
				return o
			}
			return text(date)
		})
	})
}

// javaOffset is the offset datesJava writes its dates in: not UTC, so that its dates show an
// offset as Java writes one (+01:00, where UTC would be "Z").
var javaOffset = time.FixedZone("+01:00", 60*60)

// datesJava writes the dates of the tables of status documents as Java's
// OffsetDateTime.toString() does. It reads a date in any form the harness accepts (so that it
// rewrites dates-iso8601-vendor's too) and leaves one that names no instant as it is.
func datesJava(a *heldAnswer) {
	if !a.statusDocument() {
		return
	}
	a.editJSON(func(doc *object) {
		java := func(date any) any {
			text := func(v any) any {
				s, ok := v.(string)
				if !ok {
					return v
				}
				t, ok := export.DateTime{Value: s}.Time()
				if !ok {
					return v
				}
				return javaOffsetDateTime(t.In(javaOffset))
			}
			if o, ok := date.(*object); ok {
				if v, ok := o.get("value"); ok {
					o.set("value", text(v))
				}
				return o
			}
			return text(date)
		}
		for _, it := range statusItems(doc) {
			updateDate(it, "startTime", java)
			updateDate(it, "endTime", java)
		}
	})
}

// javaOffsetDateTime writes t as Java's OffsetDateTime.toString() does: the seconds only when
// they or the fraction are not zero, the fraction in groups of three digits, and the offset as
// "Z" or ±hh:mm.
func javaOffsetDateTime(t time.Time) string {
	b := t.AppendFormat(nil, "2006-01-02T15:04")
	if ns := t.Nanosecond(); t.Second() != 0 || ns != 0 {
		b = t.AppendFormat(b, ":05")
		switch {
		case ns == 0:
		case ns%1_000_000 == 0:
			b = fmt.Appendf(b, ".%03d", ns/1_000_000)
		case ns%1_000 == 0:
			b = fmt.Appendf(b, ".%06d", ns/1_000)
		default:
			b = fmt.Appendf(b, ".%09d", ns)
		}
	}
	return string(t.AppendFormat(b, "Z07:00"))
}

// datesAsDateTimeType writes every date of status documents as a dateTimeType: with a
// timezone for the request's dates, without one for a table's, so that both forms are seen.
func datesAsDateTimeType(a *heldAnswer) {
	if !a.statusDocument() {
		return
	}
	a.editJSON(func(doc *object) {
		wrap := func(timezone bool) func(any) any {
			return func(date any) any {
				o, ok := date.(*object)
				switch {
				case ok:
				case date == nil:
					return nil
				default:
					o = &object{members: []member{{"value", date}}}
				}
				if timezone {
					o.setAbsent("timezone", "UTC")
				}
				return o
			}
		}
		updateDate(doc, "startTime", wrap(true))
		if body := statusBody(doc); body != nil {
			updateDate(body, "submitDate", wrap(true))
		}
		for _, it := range statusItems(doc) {
			updateDate(it, "startTime", wrap(false))
			updateDate(it, "endTime", wrap(false))
		}
	})
}

// cancellableState is how the vendor-error-documents variant words the refusal to cancel a
// request that has completed: the use-case page's "invalid state for a cancellation" in other
// words, as a server of the vendor's stack may put it.
const cancellableState = "The request is not in a cancellable state"

// vendorErrorDocuments writes error documents in the vendor's common shape, the message only in
// o:errorDetails.
func vendorErrorDocuments(a *heldAnswer) {
	if !a.errorDocument() {
		return
	}
	var e export.Error
	if json.Unmarshal(a.body, &e) != nil {
		return
	}
	status := e.Status
	if status == 0 {
		status = a.status
	}
	code := "EXPORT-" + strconv.Itoa(status)
	doc := &object{}
	if e.Type != "" {
		doc.set("type", e.Type)
	}
	if e.Title != "" {
		doc.set("title", e.Title)
	}
	doc.set("status", strconv.Itoa(status))
	if a.path != "" {
		doc.set("instance", a.path)
	}
	doc.set("o:errorCode", code)
	if rel, ok := strings.CutPrefix(a.path, export.Root); ok {
		doc.set("o:errorPath", rel)
	}
	detail := e.Detail
	if strings.Contains(detail, "invalid state for a cancellation") {
		detail = cancellableState
	}
	if detail != "" {
		doc.set("o:errorDetails", []any{&object{members: []member{{"detail", detail}, {"o:errorCode", code}}}})
	}
	a.body = append(appendOrdered(nil, doc), '\n')
}

// nullsForOptionalFields writes the optional fields that have no value as null.
func nullsForOptionalFields(a *heldAnswer) {
	switch {
	case a.statusDocument():
		a.editJSON(func(doc *object) {
			doc.setAbsentAfter("startTime", nil, "progress")
			doc.setAbsent("links", nil)
			if body := statusBody(doc); body != nil {
				body.setAbsentAfter("submitDate", nil, "requestID")
			}
			for _, it := range statusItems(doc) {
				// Each after the one before it, as the use-case page orders an item's fields.
				after := "itemName"
				for _, key := range []string{"startTime", "endTime", "progress", "totalResults", "offset", "totalRecordCount"} {
					it.setAbsentAfter(key, nil, after)
					after = key
				}
			}
			for _, l := range doc.objects("links") {
				l.setAbsentAfter("rel", nil, "")
				l.setAbsentAfter("mediaType", nil, "href")
			}
		})
	case a.errorDocument():
		a.editJSON(func(doc *object) {
			doc.setAbsentAfter("type", nil, "")
			after := "status"
			for _, key := range []string{"detail", "instance", "o:errorCode", "o:errorPath", "o:errorDetails"} {
				doc.setAbsentAfter(key, nil, after)
				after = key
			}
		})
	}
}

// extraFields adds fields the harness must ignore: the vendor's links, o:* keys, paging.
func extraFields(a *heldAnswer) {
	switch {
	case a.statusDocument():
		a.editJSON(func(doc *object) {
			self := ""
			for _, l := range doc.objects("links") {
				if href, ok := l.get("href"); ok {
					self, _ = href.(string)
				}
				l.set("name", "exportStatuses")
				l.set("kind", "item")
				l.set("properties", &object{members: []member{{"changeIndicator", "ACED0005"}}})
			}
			if links, ok := doc.get("links"); ok {
				if list, ok := links.([]any); ok && self != "" {
					doc.set("links", append(list, link("canonical", self, "exportStatuses")))
				}
			}
			doc.set("o:resourceVersion", "1")
			if body := statusBody(doc); body != nil {
				if tables := body.child("tables"); tables != nil {
					paging(tables, len(tables.objects("items")))
				}
			}
			for _, it := range statusItems(doc) {
				if self != "" {
					it.set("links", []any{link("self", self+"/tables/items/"+itemKey(it), "items")})
				}
				if parts := it.child("parts"); parts != nil {
					paging(parts, len(parts.objects("items")))
				}
			}
		})
	case a.errorDocument():
		a.editJSON(func(doc *object) {
			doc.set("o:ecid", "005vR9ZGeA3FS0b_VtH7iY0002gB0001Xt")
			doc.set("links", []any{link("describedby", export.Root+"/describe", "describe")})
		})
	}
}

// link is a link as the vendor's REST stack writes one.
func link(rel, href, name string) *object {
	return &object{members: []member{{"rel", rel}, {"href", href}, {"name", name}, {"kind", "item"}}}
}

// paging adds a collection's paging fields to list, which holds n items on its one page.
func paging(list *object, n int) {
	count := json.Number(strconv.Itoa(n))
	list.setAbsent("count", count)
	list.set("hasMore", false)
	list.set("limit", json.Number("25"))
	list.set("offset", json.Number("0"))
	list.set("totalResults", count)
}

// itemKey is an item's id as text, whether a number or a string.
func itemKey(it *object) string {
	switch id, _ := it.get("itemID"); id := id.(type) {
	case json.Number:
		return string(id)
	case string:
		return id
	}
	return ""
}

// vendorMediaTypes answers status documents and errors with the vendor's media types, where the
// answer is application/json.
func vendorMediaTypes(a *heldAnswer) {
	mt, _, _ := strings.Cut(a.header.Get("Content-Type"), ";")
	if strings.TrimSpace(mt) != "application/json" {
		return
	}
	switch {
	case a.statusDocument():
		a.header.Set("Content-Type", "application/vnd.oracle.resource+json; type=singular")
	case a.errorDocument():
		a.header.Set("Content-Type", "application/vnd.oracle.adf.error+json")
	}
}

// statusBody returns the result.body of a status document, or nil.
func statusBody(doc *object) *object {
	if result := doc.child("result"); result != nil {
		return result.child("body")
	}
	return nil
}

// statusItems returns the table items of a status document.
func statusItems(doc *object) []*object {
	body := statusBody(doc)
	if body == nil {
		return nil
	}
	tables := body.child("tables")
	if tables == nil {
		return nil
	}
	return tables.objects("items")
}

// eachDate replaces every date of a status document that it has (as a string, an object or
// null) with f of it.
func eachDate(doc *object, f func(any) any) {
	updateDate(doc, "startTime", f)
	if body := statusBody(doc); body != nil {
		updateDate(body, "submitDate", f)
	}
	for _, it := range statusItems(doc) {
		updateDate(it, "startTime", f)
		updateDate(it, "endTime", f)
	}
}

func updateDate(o *object, key string, f func(any) any) {
	if v, ok := o.get(key); ok {
		o.set(key, f(v))
	}
}

// errorDocument reports whether a answers with an error document: any answer of 400 or more
// with a body.
func (a *heldAnswer) errorDocument() bool {
	return a.status >= http.StatusBadRequest && len(bytes.TrimSpace(a.body)) > 0
}

// editJSON rewrites the answer's body, a JSON object, with edit, and keeps its final newline. A
// body that is not a JSON object (a defect may have made it so) is left as it is.
func (a *heldAnswer) editJSON(edit func(doc *object)) {
	body, newline := bytes.CutSuffix(a.body, []byte("\n"))
	v, err := decodeOrdered(body)
	doc, ok := v.(*object)
	if err != nil || !ok {
		return
	}
	edit(doc)
	out := appendOrdered(make([]byte, 0, len(a.body)+len(a.body)/2), doc)
	if newline {
		out = append(out, '\n')
	}
	a.body = out
}
