// Package openapi embeds the OpenAPI description of the Microsoft Graph partner
// security alerts API and loads it for routing, request validation and response checks.
package openapi

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/url"

	"github.com/getkin/kin-openapi/openapi3"
	"go.yaml.in/yaml/v4"
)

//go:embed partner-security-alerts.yaml
var document []byte

// BasePath is the path prefix under which Graph serves the description's paths
// (the path of its server URL, https://graph.microsoft.com/beta).
const BasePath = "/beta"

// Namespace is the OData namespace of the alert types; schema component names
// start with it.
const Namespace = "microsoft.graph.partner.security"

// Component names of the schemas that callers refer to by name.
const (
	SchemaAlert              = Namespace + ".partnerSecurityAlert"
	SchemaAlertEntity        = Namespace + ".partnerSecurityAlertEntity"
	SchemaAlertProjection    = Namespace + ".partnerSecurityAlertProjection"
	SchemaAlertAnnotations   = Namespace + ".partnerSecurityAlertAnnotations"
	SchemaAlertEntityResp    = Namespace + ".partnerSecurityAlertEntityResponse"
	SchemaAlertCollection    = Namespace + ".partnerSecurityAlertCollectionResponse"
	SchemaAlertUpdate        = Namespace + ".partnerSecurityAlertUpdate"
	SchemaODataError         = "microsoft.graph.ODataErrors.ODataError"
	SchemaActivityLog        = Namespace + ".activityLog"
	SchemaAffectedResource   = Namespace + ".affectedResource"
	SchemaAdditionalData     = Namespace + ".additionalDataDictionary"
	SchemaStatus             = Namespace + ".securityAlertStatus"
	SchemaResolvedReason     = Namespace + ".securityAlertResolvedReason"
	SchemaSeverity           = Namespace + ".securityAlertSeverity"
	SchemaConfidence         = Namespace + ".securityAlertConfidence"
	SchemaAlertPropertyName  = Namespace + ".partnerSecurityAlertPropertyName"
	schemaComponentURLPrefix = "#/components/schemas/"
)

// YAML returns a copy of the embedded description as written (OpenAPI 3.1, YAML).
func YAML() []byte {
	return append([]byte(nil), document...)
}

// JSON returns the embedded description converted to JSON, the form JSON Schema
// compilers read. YAML anchors are expanded.
func JSON() ([]byte, error) {
	var v any
	if err := yaml.Unmarshal(document, &v); err != nil {
		return nil, fmt.Errorf("openapi: parse description: %w", err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("openapi: description as JSON: %w", err)
	}
	return b, nil
}

// Load parses and validates the embedded description and rewrites its servers to
// the relative BasePath, so that a router matches requests on any host (absolute
// server URLs make kin-openapi route lookups fail for other hosts). Each call
// returns a new document that the caller may keep and use concurrently for reads.
func Load(ctx context.Context) (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	loader.Context = ctx
	doc, err := loader.LoadFromData(document)
	if err != nil {
		return nil, fmt.Errorf("openapi: load description: %w", err)
	}
	if err := doc.Validate(ctx); err != nil {
		return nil, fmt.Errorf("openapi: invalid description: %w", err)
	}
	for _, s := range doc.Servers {
		u, err := url.Parse(s.URL)
		if err != nil {
			return nil, fmt.Errorf("openapi: server URL %q: %w", s.URL, err)
		}
		s.URL = u.Path
	}
	return doc, nil
}

// SchemaRef returns the JSON pointer fragment of a schema component, e.g.
// "#/components/schemas/microsoft.graph.partner.security.partnerSecurityAlert".
func SchemaRef(name string) string {
	return schemaComponentURLPrefix + name
}
