package alert

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// DocumentedID is the id of the alert in Microsoft's documentation examples.
const DocumentedID = "d8b202fc-a216-3404-69ef-bdffa445eff6"

// SeedSize is how many alerts Seed generates besides the documented one.
const SeedSize = 50

// Documented returns the alert of Microsoft's Update example as it must be before
// the documented PATCH: status active, no resolution, empty activity log, so
// that PATCH {"status":"resolved","resolvedReason":"fraud"} yields the
// (corrected) documented response.
func Documented() Alert {
	t := time.Date(2024, 1, 23, 16, 3, 33, 50_000_000, time.UTC)
	return Alert{
		ID:                         DocumentedID,
		DisplayName:                "Action Required: Virtual machine connecting to crypto currency mining pool Detected",
		Description:                ptr("Analysis of Azure resource network activity detected the resource was connecting to a crypto currency mining pool. This would often be an indication that your Azure resource is compromised."),
		AlertType:                  "networkConnectionsToCryptoMiningPools",
		Status:                     StatusActive,
		Severity:                   SeverityHigh,
		ConfidenceLevel:            ConfidenceMedium,
		CustomerTenantID:           "1889e718-414b-4bad-8bbe-c1135bd39a41",
		SubscriptionID:             "5f6e6521-6e5f-4b0b-80aa-bd44fad7a398",
		ValueAddedResellerTenantID: ptr("c296b2ce-8cd1-4346-9e82-d8eccca70d65"),
		CatalogOfferID:             ptr("MS-AZR-0017G"),
		DetectedDateTime:           t,
		FirstObservedDateTime:      ptr(t),
		LastObservedDateTime:       ptr(t),
		IsTest:                     ptr(false),
		AffectedResources: []AffectedResource{{
			ResourceID:   "/subscriptions/subscription-id/resourceGroups/resourcegroup-name/providers/Microsoft.Compute/virtualMachines/vm-name",
			ResourceType: "AzureResource",
		}},
		ActivityLogs: []ActivityLog{},
		AdditionalDetails: map[string]string{
			"VM_IP":                              `[  "vm-ip"]`,
			"MiningPool_IP":                      `[  "mining-pool-ip"]`,
			"ConnectionCount":                    "5",
			"CryptoCurrencyMiningPoolDomainName": "pool-name.com",
		},
	}
}

// alertKinds returns the alert types the generator draws from, with a display name.
func alertKinds() []struct{ typ, name string } {
	return []struct{ typ, name string }{
		{"networkConnectionsToCryptoMiningPools", "Action Required: Virtual machine connecting to crypto currency mining pool Detected"},
		{"unusualActivityInAzureSubscription", "Unusual activity detected in an Azure subscription"},
		{"vmCreationSpike", "Action Required: Unusual number of virtual machines created"},
		{"suspiciousSpendingPattern", "Suspicious spending pattern on a customer subscription"},
		{"dnsLookupToMaliciousDomain", "DNS lookup to a known malicious domain"},
	}
}

// Seed returns the seed dataset: the Documented alert followed by SeedSize
// generated alerts, the same for the same seed. The first 36 generated alerts
// cover every combination of status (active, resolved, investigating), severity
// (informational, high, medium, low) and confidence (low, medium, high); the
// rest are random. Resolved alerts carry a reason, resolver, time and an activity
// log ending in resolved; investigating ones a log ending in investigating; some
// active ones were reopened. Times lie in 2024, independent of the clock.
func Seed(seed int64) []Alert {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x5eed_a1e7))
	statuses := []Status{StatusActive, StatusResolved, StatusInvestigating}
	severities := []Severity{SeverityInformational, SeverityHigh, SeverityMedium, SeverityLow}
	confidences := []Confidence{ConfidenceLow, ConfidenceMedium, ConfidenceHigh}
	reasons := []ResolvedReason{ReasonLegitimate, ReasonIgnore, ReasonFraud}
	users := []string{"samanthab@contoso.com", "danas@contoso.com", "alexw@contoso.com"}
	customers := []string{uuid(rng), uuid(rng), uuid(rng), uuid(rng)}
	subs := []string{uuid(rng), uuid(rng), uuid(rng), uuid(rng), uuid(rng), uuid(rng)}
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

	out := []Alert{Documented()}
	for i := range SeedSize {
		var st Status
		var sev Severity
		var conf Confidence
		if i < 36 {
			st, sev, conf = statuses[i%3], severities[(i/3)%4], confidences[(i/12)%3]
		} else {
			st, sev, conf = statuses[rng.IntN(3)], severities[rng.IntN(4)], confidences[rng.IntN(3)]
		}
		kinds := alertKinds()
		kind := kinds[rng.IntN(len(kinds))]
		detected := base.Add(time.Duration(rng.IntN(300*24*3600)) * time.Second).Add(time.Duration(rng.IntN(1000)) * time.Millisecond)
		last := detected.Add(time.Duration(rng.IntN(48*3600)) * time.Second)
		sub := subs[rng.IntN(len(subs))]
		a := Alert{
			ID:                    uuid(rng),
			DisplayName:           kind.name,
			AlertType:             kind.typ,
			Status:                StatusActive,
			Severity:              sev,
			ConfidenceLevel:       conf,
			CustomerTenantID:      customers[rng.IntN(len(customers))],
			SubscriptionID:        sub,
			DetectedDateTime:      detected,
			FirstObservedDateTime: ptr(detected),
			LastObservedDateTime:  ptr(last),
			IsTest:                ptr(i%7 == 0),
			AffectedResources: []AffectedResource{{
				ResourceID:   fmt.Sprintf("/subscriptions/%s/resourceGroups/rg-%02d/providers/Microsoft.Compute/virtualMachines/vm-%02d", sub, i%5, i),
				ResourceType: "AzureResource",
			}},
			ActivityLogs:      []ActivityLog{},
			AdditionalDetails: map[string]string{"ConnectionCount": fmt.Sprint(1 + rng.IntN(20))},
		}
		if i%4 != 3 {
			a.Description = ptr("Generated alert " + fmt.Sprint(i+1) + " of the alertmock seed dataset: " + kind.name + ".")
			a.CatalogOfferID = ptr("MS-AZR-0017G")
		}
		if i%3 == 0 {
			a.ValueAddedResellerTenantID = ptr(customers[(i/3)%len(customers)])
		}
		if i%11 == 5 { // a few alerts with every nullable collection null
			a.AffectedResources, a.AdditionalDetails, a.ActivityLogs = nil, nil, nil
		}
		by := users[rng.IntN(len(users))]
		at := last.Add(time.Duration(1+rng.IntN(72*3600)) * time.Second)
		step := func(to Status) {
			if _, err := a.Apply(Patch{Status: to}, by, at); err != nil {
				panic(err) // generator bug: every patch here is valid
			}
			at = at.Add(time.Duration(1+rng.IntN(3600)) * time.Second)
		}
		switch st {
		case StatusInvestigating:
			step(StatusInvestigating)
		case StatusResolved:
			if rng.IntN(2) == 0 {
				step(StatusInvestigating)
			}
			r := reasons[rng.IntN(len(reasons))]
			if _, err := a.Apply(Patch{Status: StatusResolved, ReasonSet: true, ResolvedReason: &r}, by, at); err != nil {
				panic(err)
			}
		case StatusActive:
			if i%5 == 1 { // reopened
				step(StatusResolved)
				step(StatusActive)
			}
		}
		out = append(out, a)
	}
	return out
}

// uuid draws a random (version 4 layout) UUID from rng.
func uuid(rng *rand.Rand) string {
	var b [16]byte
	for i := range b {
		b[i] = byte(rng.UintN(256))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func ptr[T any](v T) *T { return &v }
