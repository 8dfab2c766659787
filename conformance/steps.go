package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/cucumber/godog"
)

// register declares every step of the suite in one block, through step: the
// suite compiles each pattern once (New), and each scenario binds the patterns
// to its own state (InitializeScenario).
func (st *scenario) register(step func(pattern string, fn any)) {
	sc := stepAdder(step)
	// Who is calling.
	sc.Step(`^I am signed in with permission to (update|read) alerts$`, st.signedInWithPermission)
	sc.Step(`^I am not signed in$`, st.notSignedIn)
	sc.Step(stepReadOnly, st.signedInReadOnly)
	sc.Step(stepUnprivileged, st.signedInUnprivileged)
	sc.Step(stepExpired, st.signedInExpired)
	sc.Step(stepNotYetValid, st.signedInNotYetValid)
	sc.Step(`^I am an application with permission to (update|read) alerts$`, st.applicationWithPermission)
	sc.Step(stepSignedInAs, st.signedInAs)
	sc.Step(stepSignedInAsExpired, st.signedInAsExpired)
	sc.Step(stepSignedInAsNotYetValid, st.signedInAsNotYetValid)
	sc.Step(stepApplicationRoles, st.application)
	sc.Step(`^I send the Authorization header "([^"]*)"$`, st.authorizationHeader)
	sc.Step(`^I send the client-request-id "([^"]*)"$`, st.sendClientRequestID)
	sc.Step(stepTenantSession, st.tenantSession)
	sc.Step(`^my requests are sent as "([^"]*)"$`, st.sentAs)

	// The data.
	sc.Step(`^the alert under test$`, st.alertUnderTest)
	sc.Step(`^the alert under test has the id "([^"]*)"$`, st.alertUnderTestHasID)
	sc.Step(`^the alert is "([^"]*)"$`, st.alertIs)
	sc.Step(`^there are at least (\d+) alerts$`, st.atLeastAlerts)
	sc.Step(`^another alert$`, st.anotherAlert)
	sc.Step(`^the service will throttle my next request$`, st.willThrottle)
	sc.Step(`^the service will fail my next request with status (\d+)$`, st.willFail)

	// Updating.
	sc.Step(`^I update the alert with:$`, st.updateWithDocString)
	sc.Step(`^I update the alert with the JSON '(.*)'$`, st.updateWithJSON)
	sc.Step(`^I update the alert with the properties:$`, st.updateWithTable)
	sc.Step(`^I update the alert with the Content-Type "([^"]*)" and the body:$`, st.updateWithContentType)
	sc.Step(`^I update the alert without a Content-Type with the body:$`, st.updateWithoutContentType)
	sc.Step(`^I update the alert with a body of (\d+) MiB$`, st.updateWithLargeBody)
	sc.Step(`^I update the alert with the id "([^"]*)" with:$`, st.updateByID)
	sc.Step(`^I update the alert with the id "([^"]*)" with the JSON '(.*)'$`, st.updateByIDWithJSON)
	sc.Step(`^I change the alert's status to "([^"]*)"$`, st.changeStatus)
	sc.Step(`^I change the alert's status to "([^"]*)" with the reason "([^"]*)"$`, st.changeStatusWithReason)

	// Reading and listing.
	sc.Step(`^I read the alert$`, st.readAlert)
	sc.Step(`^I read the alert selecting "([^"]*)"$`, st.readAlertSelecting)
	sc.Step(`^I read the alert with the id "([^"]*)"$`, st.readAlertByID)
	sc.Step(`^I read the alert with the id "([^"]*)" selecting "([^"]*)"$`, st.readAlertByIDSelecting)
	sc.Step(`^I read the alert in a new session$`, st.readAlertNewSession)
	sc.Step(stepOtherTenant, st.readAlertOtherTenant)
	sc.Step(`^I list the alerts$`, st.listAlerts)
	sc.Step(`^I list the alerts with "([^"]*)"$`, st.listAlertsWith)
	sc.Step(`^I read every page of the alerts with "([^"]*)"$`, st.readEveryPage)
	sc.Step(`^I read the alerts page by page with "([^"]*)"$`, st.readPageByPage)
	sc.Step(`^I send a (GET|POST|PUT|PATCH|DELETE) request to "([^"]*)"$`, st.sendRequest)

	// Remembering.
	sc.Step(`^I remember the alert$`, st.rememberAlert)
	sc.Step(`^I remember the response header "([^"]*)"$`, st.rememberHeader)

	// Outcome.
	sc.Step(`^the request succeeds with status (\d+)$`, st.succeedsWith)
	sc.Step(`^the request fails with status (\d+) and error code "([^"]*)"$`, st.failsWith)
	sc.Step(`^the error message mentions "([^"]*)"$`, st.errorMentions)
	sc.Step(`^the response is a valid "([^"]*)"$`, st.responseIsValid)
	sc.Step(`^the "([^"]*)" ends with "([^"]*)"$`, st.annotationEndsWith)
	sc.Step(`^the update is refused with a client error in the Graph error envelope$`, st.refusedClientError)
	sc.Step(`^the request fails with status (\d+) in the Graph error envelope$`, st.failsInEnvelope)
	sc.Step(`^the request fails with status (\d+) or (\d+) in the Graph error envelope$`, st.failsEitherInEnvelope)
	sc.Step(`^the request succeeds with status 200, unless the service refuses the query as unsupported$`, st.succeedsUnlessUnsupported)
	sc.Step(`^the response does not ask for a claims challenge$`, st.noClaimsChallenge)

	// Refusals derived from the OpenAPI description.
	sc.Step(`^every value the description forbids for a writable property is refused and changes nothing$`, st.forbiddenValuesRefused)
	sc.Step(`^every read-only property of the description, set to another value, is refused and changes nothing$`, st.readOnlyRefused)
	sc.Step(`^a property the description does not declare is refused and changes nothing$`, st.undeclaredRefused)

	// The alert in the response.
	sc.Step(`^the alert's "([^"]*)" is (null|true|false|-?\d+(?:\.\d+)?|"[^"]*")$`, st.alertPropertyIs)
	sc.Step(`^the alert's "([^"]*)" is the id of the alert under test$`, st.alertPropertyIsAlertID)
	sc.Step(`^the alert's "([^"]*)" is the signed-in (?:user|application)$`, st.alertPropertyIsActor)
	sc.Step(`^the alert's "([^"]*)" is the time of the update$`, st.alertPropertyIsUpdateTime)
	sc.Step(`^the alert's "([^"]*)" is as I remembered it$`, st.alertPropertyAsRemembered)
	sc.Step(`^the alert has only the properties "([^"]*)"$`, st.alertHasOnly)
	sc.Step(`^the alert has the properties "([^"]*)"$`, st.alertHasProperties)
	sc.Step(`^the alert is the one I remembered$`, st.alertIsRemembered)
	sc.Step(`^the alert is unchanged$`, st.alertUnchanged)
	sc.Step(`^the alert's properties other than its status and resolution are as they were$`, st.alertRestUnchanged)
	sc.Step(`^the other alert is unchanged$`, st.otherAlertUnchanged)
	sc.Step(`^every date-time of the alert is in UTC$`, st.alertTimesUTC)
	sc.Step(`^the alert has every property of its type, null where it has no value$`, st.alertHasEveryProperty)

	// The activity log.
	sc.Step(`^the activity log has (\d+) new entr(?:y|ies)$`, st.activityLogNew)
	sc.Step(`^the newest activity log entry records a change from "([^"]*)" to "([^"]*)"$`, st.newestEntryChange)
	sc.Step(`^the newest activity log entry was made by the signed-in (?:user|application)$`, st.newestEntryByActor)
	sc.Step(`^the newest activity log entry was made by "([^"]*)"$`, st.newestEntryBy)
	sc.Step(`^the newest activity log entry was made at the time of the update$`, st.newestEntryAtUpdate)
	sc.Step(`^the new activity log entries lead from the earlier status to the current one$`, st.activityLogChain)
	sc.Step(`^the activity log entries are in time order$`, st.activityLogInTimeOrder)
	sc.Step(`^I send (\d+) status changes at once$`, st.changeStatusAtOnce)
	sc.Step(`^I wait (\d+(?:\.\d+)?) seconds?$`, st.wait)
	sc.Step(`^every acknowledged change is in the activity log exactly once, in an unbroken chain$`, st.burstLogged)

	// Lists and pages.
	sc.Step(`^every listed alert has "([^"]*)" "([^"]*)"$`, st.everyListedHas)
	sc.Step(`^every listed alert has only the properties "([^"]*)"$`, st.everyListedHasOnly)
	sc.Step(`^no listed alert has "([^"]*)" "([^"]*)"$`, st.noListedHas)
	sc.Step(`^every listed alert has "([^"]*)" one of "([^"]*)"$`, st.everyListedOneOf)
	sc.Step(`^every listed alert has "([^"]*)" on or after "([^"]*)"$`, st.everyListedOnOrAfter)
	sc.Step(`^the listed alerts are ordered by "([^"]*)" as "([^"]*)"$`, st.listedOrderedAs)
	sc.Step(`^every page had the same "@odata.count"$`, st.everyPageSameCount)
	sc.Step(`^the "@odata.count" is at least the number of listed alerts$`, st.countAtLeastListed)
	sc.Step(`^(\d+) alerts? (?:is|are) listed$`, st.nListed)
	sc.Step(`^there is a next page link that keeps "([^"]*)"$`, st.nextLinkKeeps)
	sc.Step(`^there is no next page link$`, st.noNextLink)
	sc.Step(`^every page was a valid "([^"]*)"$`, st.everyPageValid)
	sc.Step(`^no alert read has "([^"]*)" "([^"]*)"$`, st.noAlertReadHas)
	sc.Step(`^every page but the last had a next page link that keeps "([^"]*)"$`, st.everyPageButLastKeeps)
	sc.Step(`^the last page had no next page link$`, st.lastPageNoNextLink)
	sc.Step(`^the alerts read number the "@odata.count", with no alert twice$`, st.pagesMatchCount)
	sc.Step(`^the listed alerts are ordered by "([^"]*)" (ascending|descending)$`, st.listedOrdered)
	sc.Step(`^the listed alerts are exactly the alerts of the whole list where (.+)$`, st.listedExactlyWhere)
	sc.Step(`^the listed alerts are all the alerts of the whole list$`, st.listedAll)
	sc.Step(`^the alerts read are exactly the alerts of the whole list where (.+)$`, st.alertsReadExactlyWhere)
	sc.Step(`^the "@odata.count" is the number of alerts of the whole list where (.+)$`, st.countIsWholeListWhere)
	sc.Step(`^the "@odata.count" is the number of alerts of the whole list$`, st.countIsWholeList)
	sc.Step(`^every listed alert has every property of its type, null where it has no value$`, st.listedHaveEveryProperty)
	sc.Step(`^every date-time of the listed alerts is in UTC$`, st.listedTimesUTC)
	sc.Step(`^the alerts read are ordered by "([^"]*)" (ascending|descending)$`, st.alertsReadOrdered)
	sc.Step(`^every alert read has only the properties "([^"]*)"$`, st.everyAlertReadHasOnly)
	sc.Step(`^no page was empty$`, st.noPageEmpty)
	sc.Step(`^the alert under test was read with "([^"]*)" "([^"]*)"$`, st.alertUnderTestReadWith)
	sc.Step(`^the list showed the alert under test with "([^"]*)" "([^"]*)" at once$`, st.listShowedAtOnce)
	sc.Step(`^every listed alert has the properties "([^"]*)"$`, st.everyListedHasProperties)

	// Headers and the error envelope.
	sc.Step(`^the response has the header "([^"]*)"$`, st.hasHeader)
	sc.Step(`^the response header "([^"]*)" is JSON$`, st.headerIsJSON)
	sc.Step(`^the response header "([^"]*)" is "([^"]*)"$`, st.headerIs)
	sc.Step(`^the response header "([^"]*)" is a UUID$`, st.headerIsUUID)
	sc.Step(`^the response header "([^"]*)" is the response header "([^"]*)"$`, st.headerIsHeader)
	sc.Step(`^the response header "([^"]*)" is not the one I remembered$`, st.headerNotRemembered)
	sc.Step(`^the response header "([^"]*)" has the parameter "([^"]*)"$`, st.headerHasParameter)
	sc.Step(`^the response header "([^"]*)" lists "([^"]*)"$`, st.headerLists)
	sc.Step(`^the error's "([^"]*)" is the response header "([^"]*)"$`, st.errorFieldIsHeader)
	sc.Step(`^the error's "([^"]*)" is "([^"]*)"$`, st.errorFieldIs)
	sc.Step(`^the error's "([^"]*)" is the time of the request in UTC without a zone$`, st.errorFieldIsRequestTime)

	// The service root, the metadata document and JSON batching (steps_protocol.go).
	sc.Step(`^I read the service root$`, st.readServiceRoot)
	sc.Step(`^I read the metadata document$`, st.readMetadata)
	sc.Step(`^the service document's context is the metadata document$`, st.serviceDocumentContext)
	sc.Step(`^the service document lists the singleton "([^"]*)"$`, st.serviceDocumentLists)
	sc.Step(`^the response is CSDL XML$`, st.responseIsCSDL)
	sc.Step(`^the metadata declares the alert as the description does$`, st.metadataDeclaresAlert)
	sc.Step(`^I send the batch:$`, st.sendBatchTable)
	sc.Step(`^I send a batch of (\d+) reads of the alert$`, st.sendBatchOfReads)
	sc.Step(`^I send a batch with an update that has a body but no headers$`, st.sendBatchBodyWithoutHeaders)
	sc.Step(`^the batch response "([^"]*)" has status (\d+)$`, st.replyStatus)
	sc.Step(`^the batch response "([^"]*)" is a client error in the Graph error envelope$`, st.replyClientError)
	sc.Step(`^the batch response "([^"]*)" has the header "([^"]*)"$`, st.replyHasHeader)
	sc.Step(`^the batch response "([^"]*)" is the alert under test$`, st.replyIsAlertUnderTest)
	sc.Step(`^the batch response "([^"]*)" is the other alert$`, st.replyIsOtherAlert)
	sc.Step(`^the batch response "([^"]*)" has the alert's "([^"]*)" "([^"]*)"$`, st.replyProperty)

	// Evolvable enums (steps_enums.go).
	sc.Step(`^the alert has a severity added after unknownFutureValue$`, st.laterSeverityAlert)
	sc.Step(`^I read the alert accepting unknown enum members$`, st.readAlertUnknownEnums)
	sc.Step(`^the alert's "([^"]*)" is the member added after unknownFutureValue$`, st.alertPropertyIsLater)
	sc.Step(`^I list the alerts (accepting unknown enum members )?filtering "([^"]*)" by the member added after unknownFutureValue$`, st.listFilteringLater)
	sc.Step(`^the listed alerts include the alert under test$`, st.listedIncludeAlertUnderTest)
}

// stepAdder lets the register block read like godog's ScenarioContext.Step.
type stepAdder func(pattern string, fn any)

// Step declares one step.
func (a stepAdder) Step(pattern string, fn any) { a(pattern, fn) }

// --- who is calling ---

func (st *scenario) signedInWithPermission(what string) error {
	if what == "read" && st.suite.cfg.ReadToken != "" {
		st.auth = configured(st.suite.cfg.ReadToken)
		return nil
	}
	scope := "PartnerSecurity.ReadWrite.All"
	if what == "read" {
		scope = "PartnerSecurity.Read.All"
	}
	st.auth = st.suite.credentialsFor(scope)
	return nil
}

func (st *scenario) notSignedIn() error {
	st.auth = credentials{}
	return nil
}

// The steps below sign in with a token other than the caller's own: the
// configured token of their need (see Needs), or a minted one.

func (st *scenario) signedInReadOnly() error {
	return st.signInFor(needsReadToken, func() claims {
		return delegatedClaims(DefaultUser, "PartnerSecurity.Read.All", st.suite.cfg.Now())
	})
}

func (st *scenario) signedInUnprivileged() error {
	return st.signInFor(needsUnprivilegedToken, func() claims {
		return delegatedClaims(DefaultUser, "User.Read Mail.Read", st.suite.cfg.Now())
	})
}

func (st *scenario) signedInExpired() error {
	return st.signInFor(needsExpiredToken, func() claims { return expiredClaims(DefaultUser, "PartnerSecurity.Read.All", st.suite.cfg.Now()) })
}

func (st *scenario) signedInNotYetValid() error {
	return st.signInFor(needsMinting, func() claims { return notYetValidClaims(DefaultUser, "PartnerSecurity.Read.All", st.suite.cfg.Now()) })
}

// testApplication is the application id of minted app-only tokens.
const testApplication = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"

func (st *scenario) applicationWithPermission(what string) error {
	tag, role := needsAppToken, "PartnerSecurity.ReadWrite.All"
	if what == "read" {
		tag, role = needsAppReadToken, "PartnerSecurity.Read.All"
	}
	return st.signInFor(tag, func() claims { return applicationClaims(testApplication, []string{role}, st.suite.cfg.Now()) })
}

// minted signs in with a token carrying chosen claims, which only a run that
// mints its tokens has (@needs-minting).
func (st *scenario) minted(c claims) error {
	return st.signInFor(needsMinting, func() claims { return c })
}

func (st *scenario) signedInAs(upn, scopes string) error {
	return st.minted(delegatedClaims(upn, scopes, st.suite.cfg.Now()))
}

func (st *scenario) signedInAsExpired(upn, scopes string) error {
	return st.minted(expiredClaims(upn, scopes, st.suite.cfg.Now()))
}

func (st *scenario) signedInAsNotYetValid(upn, scopes string) error {
	return st.minted(notYetValidClaims(upn, scopes, st.suite.cfg.Now()))
}

// expiredClaims are those of a delegated token that expired an hour ago.
func expiredClaims(upn, scopes string, now time.Time) claims {
	c := delegatedClaims(upn, scopes, now.Add(-2*time.Hour))
	c.Expires = now.Add(-time.Hour).Unix()
	return c
}

// notYetValidClaims are those of a delegated token valid from an hour from now.
func notYetValidClaims(upn, scopes string, now time.Time) claims {
	c := delegatedClaims(upn, scopes, now)
	c.NotBefore = now.Add(time.Hour).Unix()
	c.Expires = now.Add(2 * time.Hour).Unix()
	return c
}

func (st *scenario) application(roles, appID string) error {
	return st.minted(applicationClaims(appID, strings.Fields(strings.ReplaceAll(roles, ",", " ")), st.suite.cfg.Now()))
}

func (st *scenario) authorizationHeader(h string) error {
	st.auth = credentials{header: h}
	return nil
}

// tenantSession drops the session header and signs in to a tenant id no other
// scenario uses, so the mock keys this scenario's state by the token's tid.
func (st *scenario) tenantSession() error {
	c := delegatedClaims(DefaultUser, "PartnerSecurity.ReadWrite.All", st.suite.cfg.Now())
	c.TenantID = st.suite.cfg.NewID()
	if err := st.minted(c); err != nil {
		return err
	}
	st.session = ""
	return nil
}

func (st *scenario) sendClientRequestID(id string) error {
	st.clientRequestID = id
	return nil
}

// --- the data ---

func (st *scenario) alertUnderTest() error {
	st.alertID = st.suite.cfg.AlertID
	return nil
}

// alertIs brings the alert into a status (with the default credentials) and
// notes it as the baseline.
func (st *scenario) alertIs(ctx context.Context, status string) error {
	body, _ := json.Marshal(map[string]string{"status": status})
	alert, err := st.setup(ctx, request{method: http.MethodPatch, target: alertPath(st.alertID), body: body, hasBody: true, contentType: "application/json"})
	if err != nil {
		return err
	}
	if got := alert["status"]; got != status {
		return fmt.Errorf("setting up: after PATCH {\"status\":%q} the alert's status = %s; want %q", status, show(got), status)
	}
	st.baseline = alert
	return nil
}

func (st *scenario) atLeastAlerts(ctx context.Context, n int) error {
	// $count and $select are the options Microsoft documents for the list.
	list, err := st.setup(ctx, request{method: http.MethodGet, target: "/security/partner/securityAlerts?$count=true&$select=id"})
	if err != nil {
		return err
	}
	count, ok := list["@odata.count"].(float64)
	if !ok {
		return fmt.Errorf("setting up: $count=true gave no \"@odata.count\" number: %s", show(list))
	}
	if int(count) < n {
		return fmt.Errorf("the target has %d alerts; this scenario needs at least %d", int(count), n)
	}
	return nil
}

// --- updating ---

func (st *scenario) updateWithDocString(ctx context.Context, doc *godog.DocString) error {
	return st.patchJSON(ctx, st.alertID, []byte(st.expand(doc.Content)), "application/json")
}

func (st *scenario) updateWithJSON(ctx context.Context, body string) error {
	return st.patchJSON(ctx, st.alertID, []byte(st.expand(body)), "application/json")
}

// updateWithTable sends the two-column table as a JSON object; a cell that
// reads as JSON (null, true, 5, "x") is sent as that value, any other as a string.
func (st *scenario) updateWithTable(ctx context.Context, table *godog.Table) error {
	obj := make(map[string]any)
	for _, row := range table.Rows {
		if len(row.Cells) != 2 {
			return fmt.Errorf("the table of properties needs two columns (name | value); a row has %d", len(row.Cells))
		}
		name, cell := row.Cells[0].Value, row.Cells[1].Value
		var v any
		if err := json.Unmarshal([]byte(cell), &v); err != nil {
			v = cell
		}
		obj[name] = v
	}
	body, err := json.Marshal(obj)
	if err != nil {
		return err
	}
	return st.patchJSON(ctx, st.alertID, body, "application/json")
}

func (st *scenario) updateWithContentType(ctx context.Context, contentType string, doc *godog.DocString) error {
	return st.patchExact(ctx, st.alertID, []byte(st.expand(doc.Content)), contentType)
}

func (st *scenario) updateWithoutContentType(ctx context.Context, doc *godog.DocString) error {
	return st.patchExact(ctx, st.alertID, []byte(st.expand(doc.Content)), "")
}

// patchExact sends a PATCH whose body and Content-Type are what the step is
// about: no request variant changes them.
func (st *scenario) patchExact(ctx context.Context, id string, body []byte, contentType string) error {
	err := st.do(ctx, request{method: http.MethodPatch, target: alertPath(id), body: body, hasBody: true, contentType: contentType, auth: st.auth, exact: true})
	if st.last != nil && st.last.method == http.MethodPatch {
		st.update = st.last
	}
	return err
}

// updateWithLargeBody sends a valid update padded to n MiB with insignificant
// whitespace (RFC 8259), so that a server without a size limit would accept it:
// only the size can be the reason to refuse it.
func (st *scenario) updateWithLargeBody(ctx context.Context, n int) error {
	pad := strings.Repeat(" ", n<<20)
	body := []byte(`{"status":` + pad + `"resolved"}`)
	return st.patchExact(ctx, st.alertID, body, "application/json")
}

func (st *scenario) updateByID(ctx context.Context, id string, doc *godog.DocString) error {
	return st.patchJSON(ctx, id, []byte(st.expand(doc.Content)), "application/json")
}

func (st *scenario) changeStatus(ctx context.Context, status string) error {
	body, _ := json.Marshal(map[string]string{"status": status})
	return st.patchJSON(ctx, st.alertID, body, "application/json")
}

func (st *scenario) changeStatusWithReason(ctx context.Context, status, reason string) error {
	body, _ := json.Marshal(map[string]string{"status": status, "resolvedReason": reason})
	return st.patchJSON(ctx, st.alertID, body, "application/json")
}

// expand replaces "{alert id}" with the id of the alert under test.
func (st *scenario) expand(s string) string {
	return strings.ReplaceAll(s, "{alert id}", st.alertID)
}

// --- reading and listing ---

func (st *scenario) readAlert(ctx context.Context) error {
	return st.do(ctx, request{method: http.MethodGet, target: alertPath(st.alertID), auth: st.auth})
}

func (st *scenario) readAlertSelecting(ctx context.Context, props string) error {
	return st.do(ctx, request{method: http.MethodGet, target: alertPath(st.alertID) + "?" + encodeQuery("$select="+props), auth: st.auth})
}

func (st *scenario) readAlertByID(ctx context.Context, id string) error {
	return st.do(ctx, request{method: http.MethodGet, target: alertPath(id), auth: st.auth})
}

// readAlertNewSession reads the alert under a session id never used before.
func (st *scenario) readAlertNewSession(ctx context.Context) error {
	own := st.session
	st.session = st.suite.cfg.NewID()
	defer func() { st.session = own }()
	return st.readAlert(ctx)
}

// readAlertOtherTenant reads the alert with a token of a fresh tenant and no
// session header.
func (st *scenario) readAlertOtherTenant(ctx context.Context) error {
	c := delegatedClaims(DefaultUser, "PartnerSecurity.ReadWrite.All", st.suite.cfg.Now())
	c.TenantID = st.suite.cfg.NewID()
	if !need(needsMinting).met(st.suite.cfg) {
		return need(needsMinting).unmet()
	}
	own := st.session
	st.session = ""
	defer func() { st.session = own }()
	return st.do(ctx, request{method: http.MethodGet, target: alertPath(st.alertID), auth: credentials{header: "Bearer " + mintToken(c, st.suite.cfg.MintKey)}})
}

func (st *scenario) listAlerts(ctx context.Context) error {
	return st.do(ctx, request{method: http.MethodGet, target: "/security/partner/securityAlerts", auth: st.auth})
}

func (st *scenario) listAlertsWith(ctx context.Context, query string) error {
	return st.do(ctx, request{method: http.MethodGet, target: "/security/partner/securityAlerts?" + encodeQuery(query), auth: st.auth})
}

// maxPages bounds "read every page" so that a server whose next link never
// ends fails instead of looping.
const maxPages = 200

// readEveryPage lists with the query and follows @odata.nextLink to the end.
// Every next link must be an absolute URL on the base URL's scheme and host.
func (st *scenario) readEveryPage(ctx context.Context, query string) error {
	st.pages = nil
	target := "/security/partner/securityAlerts?" + encodeQuery(query)
	for i := 0; ; i++ {
		if i == maxPages {
			return fmt.Errorf("still a next page link after %d pages", maxPages)
		}
		if err := st.do(ctx, request{method: http.MethodGet, target: target, auth: st.auth}); err != nil {
			return fmt.Errorf("page %d: %w", i+1, err)
		}
		st.pages = append(st.pages, st.last)
		if st.last.status != http.StatusOK {
			return fmt.Errorf("page %d: %s answered %d; want 200 (body %s)", i+1, st.last.url, st.last.status, excerpt(st.last.body))
		}
		obj, err := st.lastObject()
		if err != nil {
			return err
		}
		next, present := obj["@odata.nextLink"]
		if !present {
			return nil
		}
		link, ok := next.(string)
		if !ok {
			return fmt.Errorf("page %d: \"@odata.nextLink\" = %s; want an absolute URL, or no nextLink on the last page", i+1, show(next))
		}
		if err := st.sameOrigin(link); err != nil {
			return fmt.Errorf("page %d: %w", i+1, err)
		}
		target = link
	}
}

// sendRequest sends a request without a body to a path below the base URL.
func (st *scenario) sendRequest(ctx context.Context, method, path string) error {
	r := request{method: method, target: st.expand(path), auth: st.auth}
	if method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch {
		r.body, r.hasBody, r.contentType = []byte(`{}`), true, "application/json"
	}
	return st.do(ctx, r)
}

// --- remembering ---

func (st *scenario) rememberAlert() error {
	alert, err := st.lastAlert()
	if err != nil {
		return err
	}
	st.remembered = alert
	st.baseline = alert
	return nil
}

func (st *scenario) rememberHeader(name string) error {
	if st.last == nil {
		return errors.New("no request was sent yet")
	}
	st.rememberedHeader = st.last.header.Get(name)
	if st.rememberedHeader == "" {
		return fmt.Errorf("the response has no header %s", name)
	}
	return nil
}
