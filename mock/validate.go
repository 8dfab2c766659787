package mock

import (
	"github.com/partner-security/alertmock/mock/alert"
	"github.com/partner-security/alertmock/mock/dataset"
	"github.com/partner-security/alertmock/openapi"
)

// DecodeAlerts reads alerts from JSON, either an array of alerts or an object
// {"value":[…]} (the shape of a list response). Each alert is checked against
// the contract's partnerSecurityAlertEntity schema and alert.Validate, and ids
// must be unique; the error wraps ErrInvalidAlert and names the alert (index
// and id) and the property. It serves the -data file; the method of the same
// name on Server does the same with the schema it compiled at New. The work is
// package mock/dataset's (dataset.Decode); this compiles the schema for it.
func DecodeAlerts(data []byte) ([]alert.Alert, error) { return DecodeAlertsWith(data, nil) }

// DecodeAlertsWith is DecodeAlerts for a mock whose enums gained the members
// of future after unknownFutureValue (Config.FutureEnumMembers): alerts may
// hold them.
func DecodeAlertsWith(data []byte, future alert.Future) ([]alert.Alert, error) {
	sch, err := openapi.NewSchemas()
	if err != nil {
		return nil, err
	}
	entity, err := sch.Compile(openapi.SchemaAlertEntity)
	if err != nil {
		return nil, err
	}
	return dataset.DecodeFuture(entity, data, future)
}

// DecodeAlerts is the package function DecodeAlerts with the Server's compiled
// schema (for the control API).
func (s *Server) DecodeAlerts(data []byte) ([]alert.Alert, error) {
	return dataset.DecodeFuture(s.contract.Entity, data, s.cfg.FutureEnumMembers)
}
