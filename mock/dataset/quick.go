package dataset

import (
	"slices"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/partner-security/alertmock/mock/alert"
)

// quickValid reports whether v, a decoded alert, plainly satisfies the
// contract's partnerSecurityAlertEntity schema: the properties of the
// description with their JSON types, enum members and date-time formats, the
// required ones present, no other members than the six OData annotations. It is a
// stricter reading of the schema, written out, that costs ~1 µs where the
// schema validator costs ~50 µs per alert; when it says false the schema
// decides (and words the error), so the result of decoding a -data file is
// the schema's either way. TestQuickValidImpliesSchema holds it to that.
func quickValid(v any) bool {
	m, ok := v.(map[string]any)
	if !ok {
		return false
	}
	for _, k := range []string{"id", "alertType", "confidenceLevel", "customerTenantId", "detectedDateTime", "displayName", "severity", "status", "subscriptionId"} {
		if _, has := m[k]; !has {
			return false
		}
	}
	for k, x := range m {
		var ok bool
		switch k {
		case "id":
			s, isStr := x.(string)
			ok = isStr && s != ""
		case "displayName", "alertType", "customerTenantId", "subscriptionId":
			ok = isString(x)
		case "description", "catalogOfferId", "valueAddedResellerTenantId", "resolvedBy":
			ok = x == nil || isString(x)
		case "status":
			ok = isMember(x, alert.StatusValues())
		case "severity":
			ok = isMember(x, alert.SeverityValues())
		case "confidenceLevel":
			ok = isMember(x, alert.ConfidenceValues())
		case "resolvedReason":
			ok = x == nil || isMember(x, alert.ResolvedReasonValues())
		case "detectedDateTime":
			ok = isDateTime(x)
		case "firstObservedDateTime", "lastObservedDateTime", "resolvedOnDateTime":
			ok = x == nil || isDateTime(x)
		case "isTest":
			_, isBool := x.(bool)
			ok = x == nil || isBool
		case "affectedResources":
			ok = x == nil || eachObject(x, func(o map[string]any) bool {
				return onlyMembers(o, "resourceId", "resourceType") && isString(o["resourceId"]) && isString(o["resourceType"])
			})
		case "activityLogs":
			ok = x == nil || eachObject(x, func(o map[string]any) bool {
				return onlyMembers(o, "statusFrom", "statusTo", "updatedBy", "updatedDateTime") &&
					isMember(o["statusFrom"], alert.StatusValues()) && isMember(o["statusTo"], alert.StatusValues()) &&
					isString(o["updatedBy"]) && isDateTime(o["updatedDateTime"])
			})
		case "additionalDetails":
			if x == nil {
				ok = true
				break
			}
			d, isObj := x.(map[string]any)
			ok = isObj
			for _, dv := range d {
				ok = ok && isString(dv)
			}
		default:
			ok = slices.Contains(annotations, k) && isString(x)
		}
		if !ok {
			return false
		}
	}
	return true
}

func isString(x any) bool { _, ok := x.(string); return ok }

func isMember(x any, members []string) bool {
	s, ok := x.(string)
	return ok && slices.Contains(members, s)
}

// isDateTime is the schema validator's own date-time format check.
func isDateTime(x any) bool {
	s, ok := x.(string)
	return ok && jsonschema.Formats["date-time"](s)
}

// eachObject reports whether x is an array of objects that all satisfy f.
func eachObject(x any, f func(map[string]any) bool) bool {
	items, ok := x.([]any)
	if !ok {
		return false
	}
	for _, it := range items {
		o, ok := it.(map[string]any)
		if !ok || !f(o) {
			return false
		}
	}
	return true
}

// annotations are the OData annotations the contract's
// partnerSecurityAlertAnnotations names; their values are strings.
var annotations = []string{"@odata.context", "@odata.type", "@odata.id", "@odata.etag", "@odata.editLink", "@odata.readLink"}

// onlyMembers reports whether o has every one of names and no other member
// (the contract's activityLog and affectedResource are closed).
func onlyMembers(o map[string]any, names ...string) bool {
	for _, n := range names {
		if _, has := o[n]; !has {
			return false
		}
	}
	for k := range o {
		if !slices.Contains(names, k) {
			return false
		}
	}
	return true
}
