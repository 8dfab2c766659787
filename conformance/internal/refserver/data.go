package refserver

import (
	"fmt"
	"time"
)

// alert is one alert as the API represents it; nullable properties are
// pointers so that they are written as null.
type alert struct {
	ID                         string            `json:"id"`
	DisplayName                string            `json:"displayName"`
	Description                *string           `json:"description"`
	AlertType                  string            `json:"alertType"`
	Status                     string            `json:"status"`
	Severity                   string            `json:"severity"`
	ConfidenceLevel            string            `json:"confidenceLevel"`
	CustomerTenantID           string            `json:"customerTenantId"`
	SubscriptionID             string            `json:"subscriptionId"`
	ValueAddedResellerTenantID *string           `json:"valueAddedResellerTenantId"`
	CatalogOfferID             *string           `json:"catalogOfferId"`
	DetectedDateTime           string            `json:"detectedDateTime"`
	FirstObservedDateTime      *string           `json:"firstObservedDateTime"`
	LastObservedDateTime       *string           `json:"lastObservedDateTime"`
	ResolvedReason             *string           `json:"resolvedReason"`
	ResolvedOnDateTime         *string           `json:"resolvedOnDateTime"`
	ResolvedBy                 *string           `json:"resolvedBy"`
	IsTest                     *bool             `json:"isTest"`
	AffectedResources          []resource        `json:"affectedResources"`
	ActivityLogs               []activity        `json:"activityLogs"`
	AdditionalDetails          map[string]string `json:"additionalDetails"`
}

type resource struct {
	ResourceID   string `json:"resourceId"`
	ResourceType string `json:"resourceType"`
}

type activity struct {
	StatusFrom      string `json:"statusFrom"`
	StatusTo        string `json:"statusTo"`
	UpdatedBy       string `json:"updatedBy"`
	UpdatedDateTime string `json:"updatedDateTime"`
}

// clone returns a deep copy.
func (a alert) clone() alert {
	a.AffectedResources = append([]resource(nil), a.AffectedResources...)
	a.ActivityLogs = append([]activity(nil), a.ActivityLogs...)
	details := make(map[string]string, len(a.AdditionalDetails))
	for k, v := range a.AdditionalDetails {
		details[k] = v
	}
	a.AdditionalDetails = details
	return a
}

func ptr[T any](v T) *T { return &v }

// documentedID is the alert of Microsoft's documentation.
const documentedID = "d8b202fc-a216-3404-69ef-bdffa445eff6"

// seed returns the fixed data set: the documented alert (active) and eleven
// more covering every status, severity and confidence.
func seed() []alert {
	statuses := []string{"active", "investigating", "resolved"}
	severities := []string{"informational", "high", "medium", "low"}
	confidences := []string{"low", "medium", "high"}
	reasons := []string{"legitimate", "ignore", "fraud"}
	out := []alert{{
		ID:               documentedID,
		DisplayName:      "Action Required: Virtual machine connecting to crypto currency mining pool Detected",
		Description:      ptr("Analysis of Azure resource network activity detected the resource was connecting to a crypto currency mining pool."),
		AlertType:        "Crypto mining",
		Status:           "active",
		Severity:         "high",
		ConfidenceLevel:  "medium",
		CustomerTenantID: "dcb4e4e8-4c08-4b6e-9e4a-3a6f0e1b2c3d",
		SubscriptionID:   "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
		CatalogOfferID:   ptr("MS-AZR-0017G"),
		DetectedDateTime: "2024-01-23T16:03:33.05Z",
		IsTest:           ptr(false),
		AffectedResources: []resource{{
			ResourceID:   "/subscriptions/subscription-id/resourceGroups/resourcegroup-name/providers/Microsoft.Compute/virtualMachines/vm-name",
			ResourceType: "AzureResource",
		}},
		ActivityLogs:      []activity{},
		AdditionalDetails: map[string]string{"ConnectionCount": "5"},
	}}
	base := time.Date(2024, 2, 1, 8, 0, 0, 0, time.UTC)
	for i := 0; i < 11; i++ {
		a := alert{
			ID:                fmt.Sprintf("5f6e6521-6e5f-4b0b-80aa-%012d", i+1),
			DisplayName:       fmt.Sprintf("Generated alert %d", i+1),
			AlertType:         "Unusual activity",
			Status:            statuses[i%3],
			Severity:          severities[i%4],
			ConfidenceLevel:   confidences[i%3],
			CustomerTenantID:  "dcb4e4e8-4c08-4b6e-9e4a-3a6f0e1b2c3d",
			SubscriptionID:    "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
			DetectedDateTime:  base.Add(time.Duration(i*37%11) * 21 * 24 * time.Hour).Format(time.RFC3339),
			ActivityLogs:      []activity{},
			AdditionalDetails: map[string]string{},
		}
		if a.Status == "resolved" {
			a.ResolvedReason = ptr(reasons[i%3])
			a.ResolvedBy = ptr("samanthab@contoso.com")
			detected, _ := time.Parse(time.RFC3339, a.DetectedDateTime)
			a.ResolvedOnDateTime = ptr(detected.Add(30 * 24 * time.Hour).Format(time.RFC3339))
		}
		out = append(out, a)
	}
	return out
}
