package graphapi

import (
	"errors"
	"net/http"
	"strings"

	"github.com/partner-security/alertmock/mock/alert"
	"github.com/partner-security/alertmock/mock/auth"
	"github.com/partner-security/alertmock/mock/grapherr"
)

// principal is who sent a request.
type principal = auth.Principal

// authenticate returns the request's principal, or a 401/403 *Error. required
// lists the permissions of which the operation needs one (from the
// description's security requirements); empty means any authenticated caller.
// With auth disabled every request passes; a readable JWT still names the actor
// and tenant.
func (a *API) authenticate(r *http.Request, required []string) (principal, *grapherr.Error) {
	tok, isBearer := auth.Bearer(r.Header)
	if a.noAuth {
		if tok != "" {
			if p, err := a.tokens.Parse(tok).Valid(a.now()); err == nil && !p.Opaque {
				return p, nil
			}
		}
		return principal{Actor: alert.DefaultActor}, nil
	}
	var err error
	var p principal
	switch {
	case strings.TrimSpace(r.Header.Get("Authorization")) == "" || (isBearer && tok == ""):
		err = auth.ErrEmpty
	case !isBearer:
		err = auth.ErrMalformed
	default:
		p, err = a.tokens.Parse(tok).Valid(a.now())
	}
	if err != nil { // only *auth.TokenError
		var te *auth.TokenError
		if !errors.As(err, &te) {
			te = auth.ErrMalformed
		}
		return p, &grapherr.Error{Code: grapherr.CodeInvalidAuthenticationToken, Message: te.Message}
	}
	if !p.Permits(required) {
		return p, grapherr.Errorf(grapherr.CodeForbidden,
			"Missing role permissions on the request. API requires one of '%s'. Roles on the request '%s'.",
			strings.Join(required, ", "), strings.Join(p.Permissions, ", "))
	}
	return p, nil
}
