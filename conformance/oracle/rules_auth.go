package oracle

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// The rules about who may call: tokens and permissions.

var authRules = []Rule{
	{
		ID: "auth-required", Label: Documented,
		Source: "Microsoft Graph docs: List, Get and Update partnerSecurityAlert, request headers (\"Authorization: Bearer {token}. Required.\") and error responses (concepts/errors.md, 401: \"Required authentication information is either missing or not valid\")",
		Doc:    "A request to List, Get or Update without a bearer token (no Authorization header, another scheme, Bearer with nothing after it) or with a three-part token whose header or claims are not base64url JSON is answered 401.",
		check:  checkAuthRequired,
	},
	{
		ID: "token-validity", Label: Documented,
		Source: "RFC 6750 §3.1 (invalid_token, for an expired token: 401) and RFC 7519 §4.1.4–5 (exp, nbf), with the 5 minutes of clock skew the Microsoft identity platform allows",
		Doc:    "A request whose JWT expired more than 5 minutes before it was sent, or is valid only from more than 5 minutes after, is answered 401.",
		check:  checkTokenValidity,
	},
	{
		ID: "permission-enforced", Label: Documented,
		Source: "Microsoft Graph docs: permissions of List and Get (PartnerSecurity.Read.All or PartnerSecurity.ReadWrite.All) and of Update (PartnerSecurity.ReadWrite.All), and the Microsoft Graph REST API guidelines (graph/GuidelinesGraph.md, \"Error handling\": 403 for a caller without permission, 404 allowed to hide the resource)",
		Doc:    "A request whose valid JWT lacks the permission the operation needs (read: PartnerSecurity.Read.All or ReadWrite.All in scp or roles; update: PartnerSecurity.ReadWrite.All) is answered 403 (or 404), never 2xx and never 401.",
		check:  checkPermission,
	},
}

// isOperation reports whether the request is one of the three operations.
func (p *pass) isOperation() bool { return p.op != opNone && p.x.Status != 0 }

func checkAuthRequired(p *pass) {
	if !p.isOperation() || p.x.Status == http.StatusUnauthorized {
		return
	}
	c := p.caller
	why := ""
	switch {
	case c.header == "":
		why = "the request has no Authorization header"
	case !c.bearer:
		why = fmt.Sprintf("the Authorization header %q is not a bearer token", c.header)
	case len(strings.Split(strings.TrimSpace(strings.TrimPrefix(c.header, "Bearer")), ".")) == 3 && !c.jwt:
		why = "the bearer token has three parts but no readable JWT claims"
	default:
		return
	}
	p.report("status", fmt.Sprint(p.x.Status), "401: "+why)
}

const tokenSkew = 5 * time.Minute

func (c caller) timely(sent, received time.Time) (string, bool) {
	if !c.exp.IsZero() && c.exp.Before(sent.Add(-tokenSkew)) {
		return "the token expired at " + c.exp.UTC().Format(time.RFC3339), false
	}
	if !c.nbf.IsZero() && c.nbf.After(received.Add(tokenSkew)) {
		return "the token is valid only from " + c.nbf.UTC().Format(time.RFC3339), false
	}
	return "", true
}

func checkTokenValidity(p *pass) {
	if !p.isOperation() || !p.caller.jwt || p.x.Status == http.StatusUnauthorized {
		return
	}
	if why, ok := p.caller.timely(p.x.Sent, p.x.Received); !ok {
		p.report("status", fmt.Sprint(p.x.Status), "401: "+why)
	}
}

func checkPermission(p *pass) {
	c := p.caller
	if !p.isOperation() || !c.jwt {
		return
	}
	if _, ok := c.timely(p.x.Sent, p.x.Received); !ok {
		return
	}
	need := []string{"PartnerSecurity.Read.All", "PartnerSecurity.ReadWrite.All"}
	if p.op == opPatch {
		need = need[1:]
	}
	if slices.ContainsFunc(c.perms, func(s string) bool { return slices.Contains(need, s) }) {
		return
	}
	if p.x.Status == http.StatusForbidden || p.x.Status == http.StatusNotFound {
		return
	}
	if p.x.Status < 300 || p.x.Status == http.StatusUnauthorized {
		p.report("status", fmt.Sprint(p.x.Status), fmt.Sprintf("403: the token's permissions %q include none of %s", strings.Join(c.perms, " "), strings.Join(need, ", ")))
	}
}
