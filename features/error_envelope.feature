Feature: Errors and request identifiers
  Every answer carries the identifiers a partner quotes to Microsoft support, and
  every error comes in the Microsoft Graph error envelope, so that client libraries
  can read it.

  Background:
    Given I am signed in with permission to update alerts
    And the alert under test

  @live-safe @documented
  Scenario: An error is in the Graph error envelope
    When I read the alert with the id "00000000-0000-4000-8000-000000000000"
    Then the response is a valid "ODataError"
    And the response header "Content-Type" is JSON

  @live-safe @assumption
  Scenario: The error's inner error repeats the request identifiers and the time
    When I read the alert with the id "00000000-0000-4000-8000-000000000000"
    Then the response is a valid "ODataError"
    And the error's "innerError.request-id" is the response header "request-id"
    And the error's "innerError.client-request-id" is the response header "client-request-id"
    And the error's "innerError.date" is the time of the request in UTC without a zone

  @live-safe @assumption
  Scenario: My client-request-id is echoed on success
    Given I send the client-request-id "7d4c1f0e-3a2b-4c5d-9e8f-0a1b2c3d4e5f"
    When I read the alert
    Then the request succeeds with status 200
    And the response header "client-request-id" is "7d4c1f0e-3a2b-4c5d-9e8f-0a1b2c3d4e5f"
    And the response header "request-id" is a UUID

  @live-safe @assumption
  Scenario: My client-request-id is echoed on an error
    Given I send the client-request-id "not-a-uuid-but-still-mine"
    When I read the alert with the id "00000000-0000-4000-8000-000000000000"
    Then the request fails with status 404 in the Graph error envelope
    And the response header "client-request-id" is "not-a-uuid-but-still-mine"
    And the error's "innerError.client-request-id" is "not-a-uuid-but-still-mine"

  @live-safe @assumption
  Scenario: Without a client-request-id the request-id stands in for it
    Given my requests are sent as "client-request-id=none"
    When I read the alert
    Then the request succeeds with status 200
    And the response header "client-request-id" is the response header "request-id"

  @live-safe @documented
  Scenario: Every request gets its own request-id
    When I read the alert
    And I remember the response header "request-id"
    And I read the alert
    Then the response header "request-id" is not the one I remembered

  @live-safe @assumption
  Scenario: Successful answers are OData JSON
    When I read the alert
    Then the request succeeds with status 200
    And the response header "Content-Type" is JSON
    And the response header "Content-Type" has the parameter "odata.metadata=minimal"
    And the response header "OData-Version" is "4.0"

  @live-safe @documented
  Scenario: An error for a signed-out caller is in the envelope too
    Given I am not signed in
    When I list the alerts
    Then the request fails with status 401 in the Graph error envelope
    And the response is a valid "ODataError"
    And the response has the header "request-id"
