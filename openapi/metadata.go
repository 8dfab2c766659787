package openapi

import _ "embed"

//go:embed metadata.xml
var metadataDocument []byte

// MetadataXML returns a copy of the embedded CSDL document the mock serves at
// BasePath + "/$metadata": the part of Microsoft Graph's published beta
// metadata that describes the partner security alerts (the entity, its
// complex types and enums, and the navigation from the security singleton),
// as OData CSDL XML. The file names the repository, path and commit it was
// taken from.
func MetadataXML() []byte {
	return append([]byte(nil), metadataDocument...)
}
