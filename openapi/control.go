package openapi

import (
	"context"
	_ "embed"
	"fmt"

	"github.com/getkin/kin-openapi/openapi3"
)

//go:embed control.yaml
var controlDocument []byte

// ControlBasePath is the path prefix of the mock's control API.
const ControlBasePath = "/_mock"

// ControlYAML returns a copy of the embedded description of the mock's
// control API (OpenAPI 3.1, YAML): the calls under ControlBasePath that reset
// sessions, seed alerts, read the request journal and set faults and the
// throttle. It is not part of Microsoft Graph.
func ControlYAML() []byte {
	return append([]byte(nil), controlDocument...)
}

// LoadControl parses and validates the control API description. Each call
// returns a new document that the caller may keep and use concurrently for
// reads.
func LoadControl(ctx context.Context) (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	loader.Context = ctx
	doc, err := loader.LoadFromData(controlDocument)
	if err != nil {
		return nil, fmt.Errorf("openapi: load control description: %w", err)
	}
	if err := doc.Validate(ctx); err != nil {
		return nil, fmt.Errorf("openapi: invalid control description: %w", err)
	}
	return doc, nil
}
