package judge

import (
	"net/url"
)

// RecordedRequest is one export request of recorded traffic, as a scenario.
type RecordedRequest struct {
	Name      string // the scenario's name, unique: "Export request 1000"
	Exchanges []Exchange
}

// GroupByRequest groups judged exchanges, in the order they happened, into one recorded request
// per export request they are about, in the order each was first seen: the status and cancel
// calls by the id in their path, a create by the id its answer names. Ids of different origins
// (scheme and host) are different requests, and when the traffic has several origins each
// request's name says its host. Calls that name no request (a create that made none, a call
// outside the API's three) go together, last, into "Calls that name no export request". It
// numbers each request's exchanges from 1 (Seq).
func GroupByRequest(exchanges []Exchange) []RecordedRequest {
	const none = "Calls that name no export request"
	origins := map[string]bool{}
	for _, ex := range exchanges {
		origins[ex.Origin()] = true
	}
	var order []string
	groups := map[string][]Exchange{}
	for _, ex := range exchanges {
		name := none
		if ex.Asked != "" {
			name = "Export request " + string(ex.Asked)
			if len(origins) > 1 {
				if u, err := url.Parse(ex.URL); err == nil {
					name += " at " + u.Host
				}
			}
		}
		if _, seen := groups[name]; !seen && name != none {
			order = append(order, name)
		}
		ex.Seq = len(groups[name]) + 1
		groups[name] = append(groups[name], ex)
	}
	if len(groups[none]) > 0 {
		order = append(order, none)
	}
	out := make([]RecordedRequest, 0, len(order))
	for _, name := range order {
		out = append(out, RecordedRequest{Name: name, Exchanges: groups[name]})
	}
	return out
}
