package graphapi

import (
	"bytes"
	"net/http"

	"github.com/partner-security/alertmock/mock/grapherr"
	"github.com/partner-security/alertmock/openapi"
)

// ContentTypeXML is the Content-Type of the metadata document.
const ContentTypeXML = "application/xml;charset=utf-8"

// The paths of the service root, its metadata document and JSON batching
// (OData URL conventions, as Microsoft Graph serves them under its version).
const (
	pathRoot     = openapi.BasePath
	pathMetadata = openapi.BasePath + "/$metadata"
	pathBatch    = openapi.BasePath + "/$batch"
)

// onlyGET answers 405 with Allow: GET to any other method of a read-only
// resource of the service (the root, the metadata document).
func onlyGET(w http.ResponseWriter, r *http.Request) error {
	if r.Method == http.MethodGet {
		return nil
	}
	w.Header().Set("Allow", http.MethodGet)
	return grapherr.Errorf(grapherr.CodeMethodNotAllowed, "The HTTP method '%s' is not allowed for the request target; allowed: GET.", r.Method)
}

// serviceRoot answers GET /beta (and /beta/) with the OData service document
// (OData JSON Format 4.0, section 5): the context URL of the metadata
// document and the one container child the mock serves, the security
// singleton. Like the metadata document, it needs no token.
func (a *API) serviceRoot(w http.ResponseWriter, r *http.Request) error {
	if err := onlyGET(w, r); err != nil {
		return err
	}
	var b bytes.Buffer
	b.WriteString(`{"@odata.context":`)
	writeJSONString(&b, string(appendOrigin(nil, r))+pathMetadata)
	b.WriteString(`,"value":[{"name":"security","kind":"Singleton","url":"security"}]}`)
	writeOK(w, b.Bytes())
	return nil
}

// metadataDocument answers GET /beta/$metadata with the CSDL XML of the
// types the mock serves (openapi.MetadataXML, taken from Microsoft's
// published beta metadata). It needs no token: Microsoft publishes the
// document at the service root for anyone to read.
func (a *API) metadataDocument(w http.ResponseWriter, r *http.Request) error {
	if err := onlyGET(w, r); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", ContentTypeXML)
	h.Set("OData-Version", "4.0")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(a.metadata)
	return nil
}
