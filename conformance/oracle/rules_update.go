package oracle

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// The rules about the body of an update: what a service must refuse.

var updateRules = []Rule{
	{
		ID: "invalid-update-refused", Label: Documented,
		Source: "Microsoft Graph docs: Update partnerSecurityAlert (api-reference/beta/api/partner-security-partnersecurityalert-update.md: status Required, resolvedReason Optional, nothing else updatable); Graph metadata (beta CSDL: the enums, Nullable=false, openType false); Graph's evolvable enums (unknownFutureValue is a valid value); RFC 8259 §2 (one JSON value); RFC 9110 §15.5 (a client's mistake is answered 4xx)",
		Doc:    "An update whose body the documentation makes invalid is refused with a 4xx, never accepted and never answered 5xx: a body that is not one JSON object, no status, a status or resolvedReason that is not a member of its enum in its exact letter case (null only for resolvedReason), a property the alert does not have, an @odata.type naming another type, or a read-only property set to a value other than the alert's current one (Graph's guideline lets a service accept a read-only property sent with its current value, so that case is judged only by update-body-strict; a read-only property whose current value the model does not know is not judged).",
		check:  checkInvalidUpdate,
	},
	{
		ID: "update-body-strict", Label: Assumed,
		Source: "Our choices where Microsoft is silent (openapi/partner-security-alerts.yaml, partnerSecurityAlertUpdate in full, and docs/contract.md): a resolvedReason only together with status resolved, a read-only property refused even with its current value, a member name twice, a byte order mark",
		Doc:    "An update the full description refuses, beyond what the documentation refuses, is answered with a 4xx: a resolvedReason (other than unknownFutureValue) with a status other than resolved, any read-only property, a member named twice, a body starting with a byte order mark.",
		check:  checkStrictUpdate,
	},
}

// patchBody is a decoded PATCH body.
type patchBody struct {
	members   map[string]json.RawMessage
	status    string
	hasStatus bool
	reasonSet bool
	reason    *string // nil: null
}

// parsePatch decodes a PATCH body that is one JSON object (a byte order mark
// tolerated); other bodies are an error.
func parsePatch(b []byte) (patchBody, error) {
	var out patchBody
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	v, err := decodeOne(b)
	if err != nil {
		return out, err
	}
	if _, ok := v.(map[string]any); !ok {
		return out, errors.New("is not a JSON object")
	}
	if err := json.Unmarshal(b, &out.members); err != nil {
		return out, err
	}
	if raw, ok := out.members["status"]; ok {
		out.hasStatus = json.Unmarshal(raw, &out.status) == nil
	}
	if raw, ok := out.members["resolvedReason"]; ok {
		out.reasonSet = true
		var s *string
		if json.Unmarshal(raw, &s) == nil {
			out.reason = s
		}
	}
	return out, nil
}

// statusChange returns the status the body asks for, unless it asks for none
// (no status, or unknownFutureValue, which means "no change").
func (b patchBody) statusChange() (string, bool) {
	if !b.hasStatus || b.status == unknownFutureValue {
		return "", false
	}
	return b.status, true
}

const unknownFutureValue = "unknownFutureValue"

const alertType = "microsoft.graph.partner.security.partnerSecurityAlert"

// updateProblem says why the documentation makes the update invalid, "" when
// it does not (or the oracle cannot tell).
func (p *pass) updateProblem() string {
	raw := bytes.TrimPrefix(p.x.RequestBody, []byte("\xef\xbb\xbf")) // RFC 8259 §8.1 lets a parser ignore it
	v, err := decodeOne(raw)
	if err != nil {
		return "the body " + err.Error()
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return "the body is not a JSON object"
	}
	c := p.o.c
	if _, ok := obj["status"]; !ok {
		return "the body has no status, which the Update page marks Required"
	}
	for _, name := range sortedKeys(obj) {
		val := obj[name]
		switch {
		case name == "@odata.type":
			s, _ := val.(string)
			if strings.TrimPrefix(s, "#") != alertType {
				return fmt.Sprintf("@odata.type = %s names another type", show(val))
			}
		case name == "status":
			if s, ok := val.(string); !ok || !slices.Contains(c.enums["status"], s) {
				return fmt.Sprintf("status = %s is not a member of %s", show(val), strings.Join(c.enums["status"], ", "))
			}
		case name == "resolvedReason":
			if s, ok := val.(string); val != nil && (!ok || !slices.Contains(c.enums["resolvedReason"], s)) {
				return fmt.Sprintf("resolvedReason = %s is neither null nor a member of %s", show(val), strings.Join(c.enums["resolvedReason"], ", "))
			}
		case !c.isProperty(name):
			return fmt.Sprintf("%s is not a property of the alert (openType false)", name)
		default:
			if p.before == nil || !p.before.known || p.before.unsettled {
				continue
			}
			cur, known := p.before.props[name]
			if known && !jsonEqual(val, cur) {
				return fmt.Sprintf("the read-only %s = %s differs from its current value %s", name, show(val), show(cur))
			}
		}
	}
	return ""
}

// strictProblem says why the full description refuses an update the
// documentation does not, "" when it does not.
func (p *pass) strictProblem() string {
	if bytes.HasPrefix(p.x.RequestBody, []byte("\xef\xbb\xbf")) {
		return "the body starts with a byte order mark"
	}
	if d := duplicateName(p.x.RequestBody); d != "" {
		return fmt.Sprintf("the body names %s twice", d)
	}
	b, err := p.req, p.reqErr
	if err != nil {
		return ""
	}
	for name := range b.members {
		if name != "status" && name != "resolvedReason" && p.o.c.isProperty(name) {
			return fmt.Sprintf("the body sets the read-only %s", name)
		}
	}
	if b.reasonSet && (b.reason == nil || *b.reason != unknownFutureValue) && b.hasStatus && b.status != "resolved" {
		return fmt.Sprintf("resolvedReason is sent with status %q, not resolved", b.status)
	}
	return ""
}

func checkInvalidUpdate(p *pass) {
	if p.op != opPatch || p.x.Status == 0 || (p.x.Status >= 400 && p.x.Status < 500) {
		return
	}
	if why := p.updateProblem(); why != "" {
		p.report("status", fmt.Sprint(p.x.Status), "a client error (4xx): the update is invalid: "+why)
	}
}

func checkStrictUpdate(p *pass) {
	if p.op != opPatch || p.x.Status == 0 || (p.x.Status >= 400 && p.x.Status < 500) || p.updateProblem() != "" {
		return
	}
	if why := p.strictProblem(); why != "" {
		p.report("status", fmt.Sprint(p.x.Status), "a client error (4xx): "+why)
	}
}
