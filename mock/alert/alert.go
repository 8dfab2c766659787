// Package alert is the partner security alert domain: the alert type, its enums,
// the rules of a status update and a deterministic seed dataset. It imports only the
// standard library.
package alert

import (
	"slices"
	"time"
)

// TypeName is the qualified OData name of the alert type, as error messages quote it.
const TypeName = "microsoft.graph.partner.security.partnerSecurityAlert"

// Alert is a partnerSecurityAlert. Its JSON form is the contract's: nullable
// properties are pointers, nil slices and maps, and are written as null, never
// omitted. Stored alerts are treated as immutable values: an update replaces the
// whole Alert, so a caller holding a copy from Clone never sees it change.
type Alert struct {
	ID                         string             `json:"id"`
	DisplayName                string             `json:"displayName"`
	Description                *string            `json:"description"`
	AlertType                  string             `json:"alertType"`
	Status                     Status             `json:"status"`
	Severity                   Severity           `json:"severity"`
	ConfidenceLevel            Confidence         `json:"confidenceLevel"`
	CustomerTenantID           string             `json:"customerTenantId"`
	SubscriptionID             string             `json:"subscriptionId"`
	ValueAddedResellerTenantID *string            `json:"valueAddedResellerTenantId"`
	CatalogOfferID             *string            `json:"catalogOfferId"`
	DetectedDateTime           time.Time          `json:"detectedDateTime"`
	FirstObservedDateTime      *time.Time         `json:"firstObservedDateTime"`
	LastObservedDateTime       *time.Time         `json:"lastObservedDateTime"`
	ResolvedReason             *ResolvedReason    `json:"resolvedReason"`
	ResolvedOnDateTime         *time.Time         `json:"resolvedOnDateTime"`
	ResolvedBy                 *string            `json:"resolvedBy"`
	IsTest                     *bool              `json:"isTest"`
	AffectedResources          []AffectedResource `json:"affectedResources"`
	ActivityLogs               []ActivityLog      `json:"activityLogs"`
	AdditionalDetails          map[string]string  `json:"additionalDetails"`
}

// ActivityLog records one status change of an alert; the system sets every field.
type ActivityLog struct {
	StatusFrom      Status    `json:"statusFrom"`
	StatusTo        Status    `json:"statusTo"`
	UpdatedBy       string    `json:"updatedBy"`
	UpdatedDateTime time.Time `json:"updatedDateTime"`
}

// AffectedResource is a resource affected by an alert.
type AffectedResource struct {
	ResourceID   string `json:"resourceId"`
	ResourceType string `json:"resourceType"`
}

// PropertyNames lists the alert's JSON property names in the order the service
// writes them (the names `$select` accepts).
func PropertyNames() []string {
	return []string{
		"id", "displayName", "description", "alertType", "status", "severity",
		"confidenceLevel", "customerTenantId", "subscriptionId", "valueAddedResellerTenantId",
		"catalogOfferId", "detectedDateTime", "firstObservedDateTime", "lastObservedDateTime",
		"resolvedReason", "resolvedOnDateTime", "resolvedBy", "isTest", "affectedResources",
		"activityLogs", "additionalDetails",
	}
}

// IsProperty reports whether name is a property of the alert type.
func IsProperty(name string) bool {
	return slices.Contains(PropertyNames(), name)
}

// Writable reports whether a PATCH may set the property name.
func Writable(name string) bool {
	return name == "status" || name == "resolvedReason"
}

// Field returns the value of the property name (as PropertyNames spells it) in a
// form encoding/json writes as the contract says, and false for an unknown name.
func (a *Alert) Field(name string) (any, bool) {
	switch name {
	case "id":
		return a.ID, true
	case "displayName":
		return a.DisplayName, true
	case "description":
		return a.Description, true
	case "alertType":
		return a.AlertType, true
	case "status":
		return a.Status, true
	case "severity":
		return a.Severity, true
	case "confidenceLevel":
		return a.ConfidenceLevel, true
	case "customerTenantId":
		return a.CustomerTenantID, true
	case "subscriptionId":
		return a.SubscriptionID, true
	case "valueAddedResellerTenantId":
		return a.ValueAddedResellerTenantID, true
	case "catalogOfferId":
		return a.CatalogOfferID, true
	case "detectedDateTime":
		return a.DetectedDateTime, true
	case "firstObservedDateTime":
		return a.FirstObservedDateTime, true
	case "lastObservedDateTime":
		return a.LastObservedDateTime, true
	case "resolvedReason":
		return a.ResolvedReason, true
	case "resolvedOnDateTime":
		return a.ResolvedOnDateTime, true
	case "resolvedBy":
		return a.ResolvedBy, true
	case "isTest":
		return a.IsTest, true
	case "affectedResources":
		return a.AffectedResources, true
	case "activityLogs":
		return a.ActivityLogs, true
	case "additionalDetails":
		return a.AdditionalDetails, true
	}
	return nil, false
}

// Clone returns a deep copy of a: no pointer, slice or map is shared, and nil
// stays nil (null) while empty stays empty.
func (a Alert) Clone() Alert {
	c := a
	c.Description = clonePtr(a.Description)
	c.ValueAddedResellerTenantID = clonePtr(a.ValueAddedResellerTenantID)
	c.CatalogOfferID = clonePtr(a.CatalogOfferID)
	c.FirstObservedDateTime = clonePtr(a.FirstObservedDateTime)
	c.LastObservedDateTime = clonePtr(a.LastObservedDateTime)
	c.ResolvedReason = clonePtr(a.ResolvedReason)
	c.ResolvedOnDateTime = clonePtr(a.ResolvedOnDateTime)
	c.ResolvedBy = clonePtr(a.ResolvedBy)
	c.IsTest = clonePtr(a.IsTest)
	if a.AffectedResources != nil {
		c.AffectedResources = append(make([]AffectedResource, 0, len(a.AffectedResources)), a.AffectedResources...)
	}
	if a.ActivityLogs != nil {
		c.ActivityLogs = append(make([]ActivityLog, 0, len(a.ActivityLogs)), a.ActivityLogs...)
	}
	if a.AdditionalDetails != nil {
		c.AdditionalDetails = make(map[string]string, len(a.AdditionalDetails))
		for k, v := range a.AdditionalDetails {
			c.AdditionalDetails[k] = v
		}
	}
	return c
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// InUTC returns a with every time in UTC (how Graph writes them), sharing
// nothing with a.
func (a Alert) InUTC() Alert {
	c := a.Clone()
	c.DetectedDateTime = c.DetectedDateTime.UTC()
	for _, t := range []**time.Time{&c.FirstObservedDateTime, &c.LastObservedDateTime, &c.ResolvedOnDateTime} {
		if *t != nil {
			u := (*t).UTC()
			*t = &u
		}
	}
	for i := range c.ActivityLogs {
		c.ActivityLogs[i].UpdatedDateTime = c.ActivityLogs[i].UpdatedDateTime.UTC()
	}
	return c
}

// Validate checks the rules the contract puts on a whole alert that a Go value can
// break: non-empty required strings, known enum members, a detection time, and
// well-formed activity logs and affected resources. The error is a *PropertyError
// naming the first offending property.
func (a *Alert) Validate() error {
	switch {
	case a.ID == "":
		return propertyErrorf("id", "Property 'id' is required and cannot be empty.")
	case a.DisplayName == "":
		return propertyErrorf("displayName", "Property 'displayName' is required and cannot be empty.")
	case a.AlertType == "":
		return propertyErrorf("alertType", "Property 'alertType' is required and cannot be empty.")
	case a.CustomerTenantID == "":
		return propertyErrorf("customerTenantId", "Property 'customerTenantId' is required and cannot be empty.")
	case a.SubscriptionID == "":
		return propertyErrorf("subscriptionId", "Property 'subscriptionId' is required and cannot be empty.")
	case a.DetectedDateTime.IsZero():
		return propertyErrorf("detectedDateTime", "Property 'detectedDateTime' is required.")
	case !a.Status.Valid():
		return invalidValue("status", string(a.Status), StatusValues())
	case !a.Severity.Valid():
		return invalidValue("severity", string(a.Severity), SeverityValues())
	case !a.ConfidenceLevel.Valid():
		return invalidValue("confidenceLevel", string(a.ConfidenceLevel), ConfidenceValues())
	case a.ResolvedReason != nil && !a.ResolvedReason.Valid():
		return invalidValue("resolvedReason", string(*a.ResolvedReason), ResolvedReasonValues())
	}
	for i, l := range a.ActivityLogs {
		if !l.StatusFrom.Valid() || !l.StatusTo.Valid() || l.UpdatedBy == "" || l.UpdatedDateTime.IsZero() {
			return propertyErrorf("activityLogs", "Property 'activityLogs' item %d needs statusFrom, statusTo, updatedBy and updatedDateTime.", i)
		}
	}
	for i, r := range a.AffectedResources {
		if r.ResourceID == "" || r.ResourceType == "" {
			return propertyErrorf("affectedResources", "Property 'affectedResources' item %d needs resourceId and resourceType.", i)
		}
	}
	return nil
}

// MarshalJSON writes the log entry directly (no reflection): alerts can carry
// long activity logs and every response writes them whole.
func (l ActivityLog) MarshalJSON() ([]byte, error) {
	return appendActivityLog(make([]byte, 0, 128+len(l.UpdatedBy)), l)
}
