package openapi

import (
	"fmt"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v5"
)

// documentURL is the URL under which the description is registered with a JSON
// Schema compiler; schema references inside it resolve against it.
const documentURL = "https://graph.microsoft.com/beta/openapi.json"

// Schemas compiles the description's schema components as JSON Schema 2020-12
// (the dialect of OpenAPI 3.1) with format assertions on, so "date-time" and
// "uuid" are checked. A Schemas is safe for concurrent use once made.
type Schemas struct {
	compiler *jsonschema.Compiler
}

// NewSchemas returns a Schemas over the embedded description.
func NewSchemas() (*Schemas, error) {
	b, err := JSON()
	if err != nil {
		return nil, err
	}
	return compileSchemas(b)
}

// Compile compiles the schema component with the given name (for example
// SchemaAlertEntity, or a short name such as "partnerSecurityAlert", which is
// looked up in Namespace first and then under microsoft.graph.ODataErrors).
func (s *Schemas) Compile(name string) (*jsonschema.Schema, error) {
	full := name
	if !strings.Contains(name, ".") {
		full = Namespace + "." + name
		if name == "ODataError" {
			full = SchemaODataError
		}
	}
	sch, err := s.compiler.Compile(documentURL + SchemaRef(full))
	if err != nil {
		return nil, fmt.Errorf("openapi: compile schema %q: %w", full, err)
	}
	return sch, nil
}
