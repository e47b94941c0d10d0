package fakeserver_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/fakeserver"
)

// A fake on a manual clock, served over HTTP: an export of two tables is created, then polled
// while the clock moves, until it has succeeded. Waiting costs no wall time, and every run sees
// the same states.
func ExampleNew() {
	start := time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)
	clock := fakeserver.NewManualClock(start)
	srv := httptest.NewServer(fakeserver.New(fakeserver.Options{Clock: clock, TableDuration: 2 * time.Second}))
	defer srv.Close()

	call := func(c export.Call, id export.ID, body string) (int, export.Status) {
		u, err := export.PathOf(srv.URL+export.Root, c, id)
		if err != nil {
			panic(err)
		}
		req, err := http.NewRequest(c.Method(), u, strings.NewReader(body))
		if err != nil {
			panic(err)
		}
		req.SetBasicAuth(fakeserver.DefaultUsername, fakeserver.DefaultPassword)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Prefer", "respond-async")
		resp, err := srv.Client().Do(req)
		if err != nil {
			panic(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			panic(err)
		}
		doc, err := export.DecodeStatus(b)
		if err != nil {
			panic(err)
		}
		return resp.StatusCode, doc
	}

	status, doc := call(export.CallCreate, "", `{"tables":{"items":[{"tableName":"SHIPMENT"},{"tableName":"ORDER_RELEASE"}]}}`)
	id := doc.RequestID()
	fmt.Println("create:", status, doc.Progress, "request", id)
	for i := 0; i < 10 && !doc.Completed; i++ { // bounded: the fake finishes in 4s
		clock.Advance(time.Second)
		status, doc = call(export.CallStatus, id, "")
		var tables []string
		for _, it := range doc.Items() {
			tables = append(tables, it.ItemName+" "+string(it.Progress))
		}
		fmt.Printf("+%s: %d %s (%s)\n", clock.Now().Sub(start), status, doc.Progress, strings.Join(tables, ", "))
	}
	// Output:
	// create: 202 processing request 1000
	// +1s: 200 processing (SHIPMENT processing, ORDER_RELEASE pending)
	// +2s: 200 processing (SHIPMENT succeeded, ORDER_RELEASE processing)
	// +3s: 200 processing (SHIPMENT succeeded, ORDER_RELEASE processing)
	// +4s: 200 succeeded (SHIPMENT succeeded, ORDER_RELEASE succeeded)
}
