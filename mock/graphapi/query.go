package graphapi

import (
	"errors"

	"github.com/partner-security/alertmock/mock/grapherr"
	"github.com/partner-security/alertmock/mock/odata"
)

// queryOptions are the OData system query options of a request, parsed
// (package odata).
type queryOptions = odata.Query

// parseQuery reads the raw query string of a request for operation op. The `$`
// prefix is optional (Graph beta); an option given twice, an option the
// operation does not declare, and a malformed value are 400s naming the option.
func (a *API) parseQuery(raw string, op *operation, include bool) (queryOptions, error) {
	q, err := odata.ParseWith(raw, func(name string) bool { return op.query[name] }, odata.Evolution{Future: a.future, Include: include})
	if err != nil {
		return q, queryError(err)
	}
	return q, nil
}

// queryError turns an *odata.Error into a 400 whose target is the option.
func queryError(err error) error {
	var oe *odata.Error
	if errors.As(err, &oe) {
		return &grapherr.Error{Code: grapherr.CodeBadRequest, Message: oe.Message, Target: oe.Option}
	}
	return err
}
