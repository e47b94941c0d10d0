package judge_test

import (
	"fmt"
	"net/http"
	"time"

	"github.com/conform-harness/conform/judge"
	"github.com/conform-harness/conform/openapi"
)

// One answer to a status call, judged against the embedded spec: the spec's verdict and the
// document decoded once, then each problem on a line.
func ExampleJudge() {
	v, err := openapi.NewValidator()
	if err != nil {
		panic(err)
	}
	req, _ := http.NewRequest(http.MethodGet, "https://vendor.example.com/logisticsRestApi/data/v1/exportStatuses/7", nil)
	body := []byte(`{"progress":"canceling","completed":false,"result":{"body":{"requestID":7,"tables":{"items":[]}}}}`)
	ex := judge.Judge(v, req, nil, http.StatusOK, http.Header{"Content-Type": {"application/json"}}, body, time.Now())

	fmt.Println(ex.Operation, ex.Call, ex.Asked)
	for _, p := range judge.ProblemsOf(ex, nil) {
		fmt.Println(p.Line())
	}
	// Output:
	// getExportStatus status 7
	// spec: response /progress: response body doesn't match schema #/components/schemas/ExportStatus: value is not one of the allowed values ["pending","processing","succeeded","failed","interrupted","cancelling","cancelled","unknown"] (got "canceling")
}

// Two polls of one export request through an Auditor, as conform proxy and conform audit judge
// traffic: the second shows a table that had succeeded running again, which breaks an invariant
// against the first. Each problem is one line of the log.
func ExampleAuditor() {
	v, err := openapi.NewValidator()
	if err != nil {
		panic(err)
	}
	a := judge.NewAuditor(v)
	poll := func(table string) []string {
		req, _ := http.NewRequest(http.MethodGet, "https://vendor.example.com/logisticsRestApi/data/v1/exportStatuses/7", nil)
		body := fmt.Appendf(nil, `{"progress":"processing","completed":false,"result":{"body":{"requestID":7,"tables":{"items":[`+
			`{"itemID":1,"itemName":"SHIPMENT","progress":%q,"parts":{"count":0,"items":[]}}]}}}}`, table)
		_, problems := a.Judge(req, nil, http.StatusOK, http.Header{"Content-Type": {"application/json"}}, body, time.Now())
		return problems
	}

	fmt.Println(len(poll("succeeded")), "problems")
	for _, line := range poll("processing") {
		fmt.Println(line)
	}
	// Output:
	// 0 problems
	// getExportStatus 7: invariant 4 (settled-item-is-final): item 1 (SHIPMENT) was "succeeded" but changed: progress "succeeded" → "processing"
}
