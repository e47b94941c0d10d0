package openapi_test

import (
	"fmt"
	"net/http"

	"github.com/conform-harness/conform/openapi"
)

// A status call and its answer, judged against the embedded spec: the answer misspells a
// progress value and leaves out the required "completed", and the verdict names the operation
// and every violation, each on one line.
func ExampleValidator_Validate() {
	v, err := openapi.NewValidator()
	if err != nil {
		panic(err)
	}
	req, err := http.NewRequest(http.MethodGet, "https://vendor.example/logisticsRestApi/data/v1/exportStatuses/12345", nil)
	if err != nil {
		panic(err)
	}
	req.SetBasicAuth("integration", "secret")
	resp := openapi.Response{
		Status: http.StatusOK,
		Header: http.Header{"Content-Type": {"application/json"}},
		Body:   []byte(`{"progress":"canceled","result":{"body":{"requestID":12345,"tables":{"items":[]}}}}`),
	}
	verdict := v.Validate(req, nil, resp)
	fmt.Println("operation:", verdict.Operation, "requestID", verdict.PathParams["requestID"])
	for _, violation := range verdict.Violations {
		fmt.Println(violation)
	}
	// Output:
	// operation: getExportStatus requestID 12345
	// getExportStatus GET /logisticsRestApi/data/v1/exportStatuses/12345 → 200: response /completed: response body doesn't match schema #/components/schemas/ExportStatus: property "completed" is missing
	// getExportStatus GET /logisticsRestApi/data/v1/exportStatuses/12345 → 200: response /progress: response body doesn't match schema #/components/schemas/ExportStatus: value is not one of the allowed values ["pending","processing","succeeded","failed","interrupted","cancelling","cancelled","unknown"] (got "canceled")
}
