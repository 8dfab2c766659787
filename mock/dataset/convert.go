package dataset

import (
	"bytes"
	"strings"
	"time"
	"unique"

	"github.com/partner-security/alertmock/mock/alert"
)

// fromValue builds the alert that json.Unmarshal would decode from raw, out
// of v, the value DecodeJSON made of raw and the schema accepted: the -data
// file is then parsed once instead of twice. It reports false for anything it
// is not sure to decode exactly as json.Unmarshal (a \u escape in raw, which
// could spell a date-time that time.Time.UnmarshalJSON reads unescaped,
// a member name the schema allows but the struct would match without regard
// to case, an unexpected type); the caller then uses json.Unmarshal.
// Strings that repeat across alerts (tenants, types, names) are interned.
func fromValue(raw []byte, v any, a *alert.Alert) bool {
	if bytes.Contains(raw, []byte(`\u`)) {
		return false
	}
	m, ok := v.(map[string]any)
	if !ok {
		return false
	}
	var c alert.Alert
	d := converter{ok: true}
	for k, x := range m {
		switch k {
		case "id":
			c.ID = d.str(x, false)
		case "displayName":
			c.DisplayName = d.str(x, true)
		case "description":
			c.Description = d.strPtr(x, false)
		case "alertType":
			c.AlertType = d.str(x, true)
		case "status":
			c.Status = alert.Status(d.str(x, true))
		case "severity":
			c.Severity = alert.Severity(d.str(x, true))
		case "confidenceLevel":
			c.ConfidenceLevel = alert.Confidence(d.str(x, true))
		case "customerTenantId":
			c.CustomerTenantID = d.str(x, true)
		case "subscriptionId":
			c.SubscriptionID = d.str(x, true)
		case "valueAddedResellerTenantId":
			c.ValueAddedResellerTenantID = d.strPtr(x, true)
		case "catalogOfferId":
			c.CatalogOfferID = d.strPtr(x, true)
		case "detectedDateTime":
			c.DetectedDateTime = d.time(x)
		case "firstObservedDateTime":
			c.FirstObservedDateTime = d.timePtr(x)
		case "lastObservedDateTime":
			c.LastObservedDateTime = d.timePtr(x)
		case "resolvedReason":
			if p := d.strPtr(x, true); p != nil {
				r := alert.ResolvedReason(*p)
				c.ResolvedReason = &r
			}
		case "resolvedOnDateTime":
			c.ResolvedOnDateTime = d.timePtr(x)
		case "resolvedBy":
			c.ResolvedBy = d.strPtr(x, true)
		case "isTest":
			switch b := x.(type) {
			case nil:
			case bool:
				c.IsTest = &b
			default:
				return false
			}
		case "affectedResources":
			c.AffectedResources = d.resources(x)
		case "activityLogs":
			c.ActivityLogs = d.logs(x)
		case "additionalDetails":
			c.AdditionalDetails = d.details(x)
		default:
			if !strings.HasPrefix(k, "@odata.") {
				return false
			}
		}
		if !d.ok {
			return false
		}
	}
	*a = c
	return true
}

// converter converts the parts of one alert; ok turns false at the first
// value it cannot convert exactly.
type converter struct{ ok bool }

func intern(s string) string { return unique.Make(s).Value() }

func (d *converter) str(x any, shared bool) string {
	s, ok := x.(string)
	if !ok {
		d.ok = false
	}
	if shared {
		return intern(s)
	}
	return s
}

func (d *converter) strPtr(x any, shared bool) *string {
	if x == nil {
		return nil
	}
	s := d.str(x, shared)
	return &s
}

// time parses as time.Time.UnmarshalJSON does. A string that parses as a
// date-time has no character that needs an escape other than \u, which raw
// does not have: the quoted string is the raw literal.
func (d *converter) time(x any) time.Time {
	var t time.Time
	s, ok := x.(string)
	if !ok || t.UnmarshalJSON([]byte(`"`+s+`"`)) != nil {
		d.ok = false
	}
	return t
}

func (d *converter) timePtr(x any) *time.Time {
	if x == nil {
		return nil
	}
	t := d.time(x)
	return &t
}

// objects returns the items of an array of objects whose member names are
// all among names (or @odata.*), nil for null.
func (d *converter) objects(x any, names ...string) ([]map[string]any, bool) {
	if x == nil {
		return nil, false
	}
	items, ok := x.([]any)
	if !ok {
		d.ok = false
		return nil, false
	}
	out := make([]map[string]any, len(items))
	for i, it := range items {
		m, ok := it.(map[string]any)
		if !ok {
			d.ok = false
			return nil, false
		}
		for k := range m {
			known := strings.HasPrefix(k, "@odata.")
			for _, n := range names {
				known = known || k == n
			}
			if !known {
				d.ok = false
				return nil, false
			}
		}
		out[i] = m
	}
	return out, true
}

func (d *converter) resources(x any) []alert.AffectedResource {
	items, ok := d.objects(x, "resourceId", "resourceType")
	if !ok {
		return nil
	}
	out := make([]alert.AffectedResource, len(items))
	for i, m := range items {
		if v, has := m["resourceId"]; has {
			out[i].ResourceID = d.str(v, false)
		}
		if v, has := m["resourceType"]; has {
			out[i].ResourceType = d.str(v, true)
		}
	}
	return out
}

func (d *converter) logs(x any) []alert.ActivityLog {
	items, ok := d.objects(x, "statusFrom", "statusTo", "updatedBy", "updatedDateTime")
	if !ok {
		return nil
	}
	out := make([]alert.ActivityLog, len(items))
	for i, m := range items {
		if v, has := m["statusFrom"]; has {
			out[i].StatusFrom = alert.Status(d.str(v, true))
		}
		if v, has := m["statusTo"]; has {
			out[i].StatusTo = alert.Status(d.str(v, true))
		}
		if v, has := m["updatedBy"]; has {
			out[i].UpdatedBy = d.str(v, true)
		}
		if v, has := m["updatedDateTime"]; has {
			out[i].UpdatedDateTime = d.time(v)
		}
	}
	return out
}

func (d *converter) details(x any) map[string]string {
	if x == nil {
		return nil
	}
	m, ok := x.(map[string]any)
	if !ok {
		d.ok = false
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[intern(k)] = d.str(v, false)
	}
	return out
}
