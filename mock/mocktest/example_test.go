package mocktest_test

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/partner-security/alertmock/mock/mocktest"
)

// A server that the tests of a package share is started in TestMain with
// Start; each test then works in a session of its own (NewSession in a test,
// View here). A 429 injected in one session leaves the other alone, and the
// journal shows that the client retried.
func ExampleStart() {
	srv, err := mocktest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	a, b := srv.View("suite-a"), srv.View("suite-b")
	// Without a testing.TB (in TestMain) a rule is added through the mock;
	// in a test, a.TooManyRequests(t, "PATCH", "", 1, "0") does the same.
	if _, err := srv.Mock.Faults().Add(mocktest.FaultRule{Session: a.Name, Method: "PATCH",
		Kind: mocktest.FaultStatus, Status: http.StatusTooManyRequests, RetryAfter: "0", Times: 1}); err != nil {
		panic(err)
	}
	for _, sess := range []*mocktest.Session{a, b} {
		if err := resolveAlert(sess.Client(), sess.BaseURL, documentedID); err != nil {
			panic(err)
		}
		alert, _ := sess.Alert(documentedID)
		fmt.Println(sess.Name, sess.Statuses(mocktest.JournalFilter{Method: "PATCH"}), alert.Status, mocktest.Reason(alert))
	}
	// Output:
	// suite-a [429 200] resolved fraud
	// suite-b [200] resolved fraud
}

// HTTPClient is for code that brings its own token, as a Graph SDK does; it
// adds only the session header, and each call returns a client of its own
// whose Transport the caller may wrap.
func ExampleSession_HTTPClient() {
	srv, err := mocktest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	sess := srv.View("sdk-test")
	req, _ := http.NewRequest("GET", sess.BaseURL+"/security/partner/securityAlerts/"+documentedID+"?$select=id,status", nil)
	req.Header.Set("Authorization", "Bearer any-opaque-token") // the SDK's token; an opaque one is fully permitted
	resp, err := sess.HTTPClient().Do(req)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	e := sess.Journal(mocktest.JournalFilter{})[0]
	fmt.Println(resp.StatusCode, e.Session, e.Header.Get("Authorization"), strings.Contains(e.Query, "select"))
	// Output: 200 sdk-test Bearer [redacted] true
}
