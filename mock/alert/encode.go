package alert

import (
	"encoding/json"
	"slices"
	"strconv"
	"time"
)

// AppendJSON appends the JSON encoding of a without its braces, byte for
// byte what json.Marshal writes between them (TestAppendAlertIsMarshal), but
// with no reflection: every Graph response that carries a whole alert writes
// it, and encoding was the largest cost of a PATCH after the network.
func AppendJSON(b []byte, a *Alert) ([]byte, error) {
	var err error
	b = append(b, `"id":`...)
	b = appendString(b, a.ID)
	b = append(b, `,"displayName":`...)
	b = appendString(b, a.DisplayName)
	b = append(b, `,"description":`...)
	b = appendStringPtr(b, a.Description)
	b = append(b, `,"alertType":`...)
	b = appendString(b, a.AlertType)
	b = append(b, `,"status":`...)
	b = appendString(b, string(a.Status))
	b = append(b, `,"severity":`...)
	b = appendString(b, string(a.Severity))
	b = append(b, `,"confidenceLevel":`...)
	b = appendString(b, string(a.ConfidenceLevel))
	b = append(b, `,"customerTenantId":`...)
	b = appendString(b, a.CustomerTenantID)
	b = append(b, `,"subscriptionId":`...)
	b = appendString(b, a.SubscriptionID)
	b = append(b, `,"valueAddedResellerTenantId":`...)
	b = appendStringPtr(b, a.ValueAddedResellerTenantID)
	b = append(b, `,"catalogOfferId":`...)
	b = appendStringPtr(b, a.CatalogOfferID)
	b = append(b, `,"detectedDateTime":`...)
	if b, err = appendTime(b, a.DetectedDateTime); err != nil {
		return nil, err
	}
	b = append(b, `,"firstObservedDateTime":`...)
	if b, err = appendTimePtr(b, a.FirstObservedDateTime); err != nil {
		return nil, err
	}
	b = append(b, `,"lastObservedDateTime":`...)
	if b, err = appendTimePtr(b, a.LastObservedDateTime); err != nil {
		return nil, err
	}
	b = append(b, `,"resolvedReason":`...)
	if a.ResolvedReason == nil {
		b = append(b, "null"...)
	} else {
		b = appendString(b, string(*a.ResolvedReason))
	}
	b = append(b, `,"resolvedOnDateTime":`...)
	if b, err = appendTimePtr(b, a.ResolvedOnDateTime); err != nil {
		return nil, err
	}
	b = append(b, `,"resolvedBy":`...)
	b = appendStringPtr(b, a.ResolvedBy)
	b = append(b, `,"isTest":`...)
	if a.IsTest == nil {
		b = append(b, "null"...)
	} else {
		b = strconv.AppendBool(b, *a.IsTest)
	}
	b = append(b, `,"affectedResources":`...)
	if a.AffectedResources == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, r := range a.AffectedResources {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"resourceId":`...)
			b = appendString(b, r.ResourceID)
			b = append(b, `,"resourceType":`...)
			b = appendString(b, r.ResourceType)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `,"activityLogs":`...)
	if a.ActivityLogs == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, l := range a.ActivityLogs {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendActivityLog(b, l); err != nil {
				return nil, err
			}
		}
		b = append(b, ']')
	}
	b = append(b, `,"additionalDetails":`...)
	if a.AdditionalDetails == nil {
		b = append(b, "null"...)
	} else {
		keys := make([]string, 0, len(a.AdditionalDetails))
		for k := range a.AdditionalDetails {
			keys = append(keys, k)
		}
		slices.Sort(keys) // encoding/json sorts map keys
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ':')
			b = appendString(b, a.AdditionalDetails[k])
		}
		b = append(b, '}')
	}
	return b, nil
}

// appendActivityLog appends l as ActivityLog.MarshalJSON writes it.
func appendActivityLog(b []byte, l ActivityLog) ([]byte, error) {
	b = append(b, `{"statusFrom":`...)
	b = appendString(b, string(l.StatusFrom))
	b = append(b, `,"statusTo":`...)
	b = appendString(b, string(l.StatusTo))
	b = append(b, `,"updatedBy":`...)
	b = appendString(b, l.UpdatedBy)
	b = append(b, `,"updatedDateTime":`...)
	b, err := appendTime(b, l.UpdatedDateTime)
	if err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}

// appendString appends s as json.Marshal writes a string (HTML characters
// escaped, invalid UTF-8 replaced): plain printable ASCII directly, anything
// else through json.Marshal itself.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if !plainByte[s[i]] {
			q, _ := json.Marshal(s) // a string always marshals
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// plainByte marks the bytes json.Marshal writes in a string as they are:
// printable ASCII other than '"', '\', '<', '>' and '&'.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < 0x7f; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

func appendStringPtr(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return appendString(b, *s)
}

// appendTime appends t as time.Time.MarshalJSON writes it (RFC 3339 with
// nanoseconds), and fails as it does.
func appendTime(b []byte, t time.Time) ([]byte, error) {
	_, off := t.Zone()
	if y := t.Year(); y < 0 || y > 9999 || off%60 != 0 || off <= -24*60*60 || off >= 24*60*60 {
		q, err := t.MarshalJSON() // the cases it refuses, or may
		if err != nil {
			return nil, err
		}
		return append(b, q...), nil
	}
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"'), nil
}

func appendTimePtr(b []byte, t *time.Time) ([]byte, error) {
	if t == nil {
		return append(b, "null"...), nil
	}
	return appendTime(b, *t)
}
