package steps

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"conform/internal/statusdoc"
)

// Client calls the three operations of the export API. Every call goes through the scenario's
// validating transport, so every exchange is checked and recorded.
type Client struct {
	root string // API root URL without a trailing slash
	http *http.Client
	auth func(*http.Request)
}

// Response is one answer of the API, read whole.
type Response struct {
	Method string
	URL    string
	Status int
	Header http.Header
	Body   []byte
}

// Describe renders the answer for a failure message: status line and body.
func (r *Response) Describe() string {
	body := strings.TrimSpace(string(r.Body))
	if body == "" {
		body = "(no body)"
	} else if len(body) > 2000 {
		body = body[:2000] + "…"
	}
	return fmt.Sprintf("%s %s answered %d %s\n%s", r.Method, r.URL, r.Status, http.StatusText(r.Status), body)
}

// StatusDocument decodes the body as a status document.
func (r *Response) StatusDocument() (statusdoc.Status, error) {
	var doc statusdoc.Status
	if err := json.Unmarshal(r.Body, &doc); err != nil {
		return doc, fmt.Errorf("decode status document: %w\n%s", err, r.Describe())
	}
	return doc, nil
}

// ErrorDocument decodes the body as an error document.
func (r *Response) ErrorDocument() (statusdoc.Error, error) {
	var doc statusdoc.Error
	if err := json.Unmarshal(r.Body, &doc); err != nil {
		return doc, fmt.Errorf("decode error document: %w\n%s", err, r.Describe())
	}
	return doc, nil
}

// callOptions tune one call.
type callOptions struct {
	anonymous bool // send no credentials
}

// Create submits an export of the given tables.
func (c *Client) Create(ctx context.Context, tables []string) (*Response, error) {
	req := statusdoc.CreateRequest{}
	for _, t := range tables {
		req.Tables.Items = append(req.Tables.Items, statusdoc.CreateTable{TableName: t})
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	return c.CreateRaw(ctx, body)
}

// CreateRaw submits an export with the body as given (a user's configured export).
func (c *Client) CreateRaw(ctx context.Context, body []byte) (*Response, error) {
	h := http.Header{"Content-Type": {"application/json"}, "Prefer": {"respond-async"}}
	return c.do(ctx, http.MethodPost, "/exportRequests", h, body, callOptions{})
}

// Status asks for the status document of a request.
func (c *Client) Status(ctx context.Context, id statusdoc.ID, opts ...callOptions) (*Response, error) {
	return c.do(ctx, http.MethodGet, "/exportStatuses/"+url.PathEscape(string(id)), nil, nil, merge(opts))
}

// Cancel sends the cancel action for a request. It sends no body, as the vendor documents.
func (c *Client) Cancel(ctx context.Context, id statusdoc.ID, opts ...callOptions) (*Response, error) {
	return c.do(ctx, http.MethodPost, "/custom-actions/cancel/exportRequests/"+url.PathEscape(string(id)), nil, nil, merge(opts))
}

func merge(opts []callOptions) callOptions {
	var o callOptions
	for _, x := range opts {
		o.anonymous = o.anonymous || x.anonymous
	}
	return o
}

func (c *Client) do(ctx context.Context, method, path string, h http.Header, body []byte, o callOptions) (*Response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.root+path, rd)
	if err != nil {
		return nil, fmt.Errorf("build %s %s: %w", method, path, err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	req.Header.Set("Accept", "application/json")
	if !o.anonymous && c.auth != nil {
		c.auth(req)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: read body: %w", method, path, err)
	}
	return &Response{Method: method, URL: req.URL.Redacted(), Status: resp.StatusCode, Header: resp.Header, Body: b}, nil
}
