package conformance

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/partner-security/alertmock/conformance/oracle"
	"github.com/partner-security/alertmock/openapi"
)

// Contract checks HTTP responses against the OpenAPI description of the alerts
// API: the status must be declared for the operation, the body must be JSON valid
// against the schema declared for that status, and the declared required headers
// must be present and well formed. It is the description's part of the oracle
// (package oracle), whose rules judge every exchange of a run; schemas are
// compiled once per process. A Contract is safe for concurrent use.
type Contract struct {
	oracle *oracle.Oracle
	// model is the alert as the description declares it, for the refusals
	// derived from it (contract_refusals.go).
	model *alertModel
}

// contractRules are the oracle's rules that make up Check: what the
// description declares.
var contractRules = []string{"status-declared", "headers-declared", "json-content-type", "json-body", "body-schema-strict", "retry-after-format"}

// documentedContractRules are the documented rules about what one answer
// holds, which checkDocumented applies where Check applies contractRules.
var documentedContractRules = []string{"status-documented", "json-content-type", "json-body", "body-schema", "error-envelope", "retry-after-format"}

// checkDocumented judges one answer alone (no model) by the documented rules
// about what it holds: a documented-only run's Check, for the replies inside
// a $batch.
func (st *scenario) checkDocumented(req *http.Request, resp *http.Response, body []byte) error {
	x := &oracle.Exchange{Method: req.Method, URL: req.URL.String(), RequestHeader: req.Header, Status: resp.StatusCode, Header: resp.Header, Body: body}
	v := &Violation{Method: req.Method, URL: req.URL.String(), Status: resp.StatusCode}
	for _, f := range st.oracle.Judge(nil, x) {
		if slices.Contains(documentedContractRules, f.Rule) {
			v.Problems = append(v.Problems, fmt.Sprintf("[%s, %s] %s", f.Rule, f.Label, f.Message()))
		}
	}
	if len(v.Problems) > 0 {
		return v
	}
	return nil
}

// Violation is the error a Check returns: every way one response broke the
// contract, with the request it answered.
type Violation struct {
	Method, URL string // the request
	Status      int    // the response's status code
	Problems    []string
}

// Error lists the problems, one per line, after the request they concern.
func (v *Violation) Error() string {
	return fmt.Sprintf("contract: %s %s answered %d: %s", v.Method, v.URL, v.Status, strings.Join(v.Problems, "; "))
}

// NewContract loads the description (openapi.Load) and compiles the body schema
// of every declared response.
func NewContract(ctx context.Context) (*Contract, error) {
	doc, err := openapi.Load(ctx)
	if err != nil {
		return nil, err
	}
	model, err := modelFromDescription(doc)
	if err != nil {
		return nil, err
	}
	o, err := oracle.New(ctx, oracle.Options{})
	if err != nil {
		return nil, err
	}
	return &Contract{oracle: o, model: model}, nil
}

// Schema returns the compiled schema component with the given name: a full name,
// or a short one such as "partnerSecurityAlertEntity" or "ODataError".
func (c *Contract) Schema(name string) (*jsonschema.Schema, error) {
	return c.oracle.Schema(name)
}

// Validate checks a JSON body against the named schema component.
func (c *Contract) Validate(name string, body []byte) error {
	return c.oracle.Validate(name, body)
}

// Check compares one response with the description. basePath is the path of the
// base URL the request was made under (for example "/beta", or "/graph/beta" behind
// a proxy); it is replaced by openapi.BasePath to find the operation. Check
// returns nil or a *Violation.
func (c *Contract) Check(req *http.Request, basePath string, resp *http.Response, body []byte) error {
	o, err := oracle.New(req.Context(), oracle.Options{BasePath: basePath})
	if err != nil {
		return err
	}
	var reqBody []byte
	if req.GetBody != nil {
		if rc, err := req.GetBody(); err == nil {
			reqBody, _ = io.ReadAll(rc)
		}
	}
	x := &oracle.Exchange{Method: req.Method, URL: req.URL.String(), RequestHeader: req.Header, RequestBody: reqBody, Status: resp.StatusCode, Header: resp.Header, Body: body}
	v := &Violation{Method: req.Method, URL: req.URL.String(), Status: resp.StatusCode}
	for _, f := range o.Judge(nil, x) {
		if slices.Contains(contractRules, f.Rule) && !slices.Contains(v.Problems, f.Message()) {
			v.Problems = append(v.Problems, f.Message())
		}
	}
	if len(v.Problems) > 0 {
		return v
	}
	return nil
}

// uuidPattern matches a UUID in its textual form (any version), the "uuid" format.
var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// excerpt shortens a body for a message.
func excerpt(b []byte) string {
	const max = 300
	if len(b) > max {
		return strconv.Quote(string(b[:max])) + "…"
	}
	return strconv.Quote(string(b))
}

// sortedKeys returns a map's keys in order, for deterministic messages.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
