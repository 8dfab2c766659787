Feature: Read an alert back
  As a partner I read an alert to see its details and what has been done about it,
  and a change I made is what I read afterwards.

  Background:
    Given I am signed in with permission to update alerts
    And the alert under test

  @live-safe @documented
  Scenario: Read an alert
    When I read the alert
    Then the request succeeds with status 200
    And the response is a valid "partnerSecurityAlertEntityResponse"
    And the response is a valid "partnerSecurityAlertEntity"
    And the alert's "id" is the id of the alert under test

  @live-safe @documented
  Scenario: An alert carries every property, null where it has no value
    When I read the alert
    Then the request succeeds with status 200
    And the alert has every property of its type, null where it has no value
    And every date-time of the alert is in UTC

  @live-safe @documented
  Scenario: Read only some properties of an alert
    When I read the alert selecting "id,status"
    Then the request succeeds with status 200
    And the response is a valid "partnerSecurityAlertEntityResponse"
    And the alert has only the properties "id,status"

  @live-safe @assumption
  Scenario: The alert names its entity set in its OData context
    When I read the alert
    Then the request succeeds with status 200
    And the "@odata.context" ends with "$metadata#security/partner/securityAlerts/$entity"

  @live-safe @assumption
  Scenario: Selected properties are named in the OData context
    When I read the alert selecting "id,status"
    Then the request succeeds with status 200
    And the "@odata.context" ends with "$metadata#security/partner/securityAlerts(id,status)/$entity"

  @live-safe @assumption
  Scenario: Selecting a property the alert does not have is refused with its name
    When I read the alert selecting "id,colour"
    Then the request fails with status 400 and error code "BadRequest"
    And the error message mentions "'$select'"

  @live-safe @documented @needs-read-token
  Scenario: Reading with the permission to read alerts only
    Given I am signed in with permission to read alerts only
    When I read the alert
    Then the request succeeds with status 200

  @live-writes @documented
  Scenario: A status change is kept
    Given the alert is "active"
    When I change the alert's status to "investigating"
    And I read the alert
    Then the request succeeds with status 200
    And the alert's "status" is "investigating"

  @live-writes @documented
  Scenario: The alert read back is the alert the update returned
    Given the alert is "active"
    When I change the alert's status to "resolved" with the reason "legitimate"
    And I remember the alert
    And I read the alert
    Then the alert is the one I remembered

  @live-writes @documented
  Scenario: A status change shows in the list
    Given the alert is "active"
    When I change the alert's status to "investigating"
    And I read every page of the alerts with "$select=id,status"
    Then the alert under test was read with "status" "investigating"

  @mock-only @assumption
  Scenario: A change in one session is not seen in another
    When I read the alert
    And I remember the alert
    And I change the alert's status to "investigating"
    And I change the alert's status to "resolved" with the reason "fraud"
    And I read the alert in a new session
    Then the request succeeds with status 200
    And the alert is the one I remembered

  @mock-only @assumption @needs-minting
  Scenario: Without a session header, the caller's tenant is the session
    Given I send no session header and am signed in to a tenant of my own
    When I read the alert
    And I remember the alert
    And I change the alert's status to "investigating"
    And I change the alert's status to "resolved" with the reason "fraud"
    And I read the alert
    Then the alert's "status" is "resolved"
    When I read the alert as a user of another tenant of my own
    Then the request succeeds with status 200
    And the alert is the one I remembered
