@live-writes
Feature: Update the status of an alert
  As a Cloud Solution Provider partner
  I want to record how far I am in handling a security alert of one of my customers
  So that my team and Microsoft can see which alerts still need attention.

  Only the status and, when resolving, the reason can be changed. The service answers
  with the whole updated alert.

  Background:
    Given I am signed in with permission to update alerts
    And the alert under test

  @documented
  Scenario: Resolve an alert as fraud, as in Microsoft's example
    Given the alert is "active"
    When I update the alert with:
      """
      {"status": "resolved", "resolvedReason": "fraud"}
      """
    Then the request succeeds with status 200
    And the response is a valid "partnerSecurityAlertEntity"
    And the alert's "id" is the id of the alert under test
    And the alert's "status" is "resolved"
    And the alert's "resolvedReason" is "fraud"

  @assumption
  Scenario: The updated alert names its entity set in its OData context
    Given the alert is "active"
    When I change the alert's status to "investigating"
    Then the request succeeds with status 200
    And the "@odata.context" ends with "$metadata#security/partner/securityAlerts/$entity"

  @assumption
  Scenario: The updated alert is sent as OData JSON
    Given the alert is "active"
    When I change the alert's status to "investigating"
    Then the request succeeds with status 200
    And the response header "Content-Type" has the parameter "odata.metadata=minimal"
    And the response header "OData-Version" is "4.0"

  @documented
  Scenario Outline: Move an alert from <from> to <to>
    Given the alert is "<from>"
    When I change the alert's status to "<to>"
    Then the request succeeds with status 200
    And the response is a valid "partnerSecurityAlertEntity"
    And the alert's "status" is "<to>"

    Examples:
      | from          | to            |
      | active        | investigating |
      | active        | resolved      |
      | investigating | active        |
      | investigating | resolved      |

  @assumption
  Scenario Outline: Reopen a resolved alert as <to>
    Given the alert is "resolved"
    When I change the alert's status to "<to>"
    Then the request succeeds with status 200
    And the response is a valid "partnerSecurityAlertEntity"
    And the alert's "status" is "<to>"
    And the alert's "resolvedReason" is null
    And the alert's "resolvedBy" is null
    And the alert's "resolvedOnDateTime" is null

    Examples:
      | to            |
      | active        |
      | investigating |

  @documented
  Scenario: An update leaves the properties it does not name as they were
    When I read the alert
    And I remember the alert
    And I change the alert's status to "resolved" with the reason "fraud"
    Then the request succeeds with status 200
    And the alert's properties other than its status and resolution are as they were
    When I read the alert
    Then the alert's properties other than its status and resolution are as they were

  @documented
  Scenario: Updating one alert leaves the other alerts as they were
    Given the alert is "active"
    And another alert
    When I change the alert's status to "resolved" with the reason "fraud"
    Then the request succeeds with status 200
    And the other alert is unchanged

  @documented
  Scenario Outline: Resolve an alert giving the reason <reason>
    Given the alert is "active"
    When I change the alert's status to "resolved" with the reason "<reason>"
    Then the request succeeds with status 200
    And the response is a valid "partnerSecurityAlertEntity"
    And the alert's "status" is "resolved"
    And the alert's "resolvedReason" is "<reason>"

    Examples:
      | reason     |
      | legitimate |
      | ignore     |
      | fraud      |

  @documented
  Scenario: The reason is optional when resolving
    Given the alert is "active"
    When I change the alert's status to "resolved"
    Then the request succeeds with status 200
    And the response is a valid "partnerSecurityAlertEntity"
    And the alert's "status" is "resolved"

  @assumption
  Scenario: Resolve an alert without giving a reason
    Given the alert is "active"
    When I change the alert's status to "resolved"
    Then the request succeeds with status 200
    And the alert's "status" is "resolved"
    And the alert's "resolvedReason" is null

  @assumption
  Scenario: Clearing the reason of a resolved alert
    Given the alert is "active"
    And I change the alert's status to "resolved" with the reason "fraud"
    When I update the alert with:
      """
      {"status": "resolved", "resolvedReason": null}
      """
    Then the request succeeds with status 200
    And the alert's "status" is "resolved"
    And the alert's "resolvedReason" is null

  @documented
  Scenario: A reason the client does not know yet leaves the reason as it was
    Given the alert is "active"
    And I change the alert's status to "resolved" with the reason "fraud"
    When I change the alert's status to "resolved" with the reason "unknownFutureValue"
    Then the request succeeds with status 200
    And the alert's "resolvedReason" is "fraud"

  @documented
  Scenario: The type annotation of an earlier documented example is accepted
    Given the alert is "active"
    When I update the alert with:
      """
      {
        "@odata.type": "#microsoft.graph.partner.security.partnerSecurityAlert",
        "status": "resolved",
        "resolvedReason": "fraud"
      }
      """
    Then the request succeeds with status 200
    And the alert's "status" is "resolved"
    And the alert's "resolvedReason" is "fraud"

  @assumption
  Scenario: The type annotation is accepted without its leading "#"
    Given the alert is "active"
    When I update the alert with:
      """
      {"@odata.type": "microsoft.graph.partner.security.partnerSecurityAlert", "status": "investigating"}
      """
    Then the request succeeds with status 200
    And the alert's "status" is "investigating"

  @documented
  Scenario: The properties of an update can be given as a table
    Given the alert is "investigating"
    When I update the alert with the properties:
      | status         | resolved   |
      | resolvedReason | legitimate |
    Then the request succeeds with status 200
    And the alert's "status" is "resolved"
    And the alert's "resolvedReason" is "legitimate"

  @documented
  Scenario: A status the client does not know yet means "no change"
    Given the alert is "investigating"
    When I change the alert's status to "unknownFutureValue"
    Then the request succeeds with status 200
    And the alert's "status" is "investigating"
    And the activity log has 0 new entries

  @assumption
  Scenario Outline: A JSON body is accepted whatever the letter case and parameters of its type: <type>
    Given the alert is "active"
    When I update the alert with the Content-Type "<type>" and the body:
      """
      {"status": "investigating"}
      """
    Then the request succeeds with status 200
    And the alert's "status" is "investigating"

    Examples:
      | type                                     |
      | application/json; charset=utf-8          |
      | application/json;odata.metadata=minimal  |
      | Application/JSON                         |

  @documented
  Scenario: The times of an update are in UTC and keep their value when read back
    Given the alert is "active"
    When I change the alert's status to "investigating"
    And I change the alert's status to "resolved" with the reason "fraud"
    Then the request succeeds with status 200
    And every date-time of the alert is in UTC
    And the alert's "resolvedOnDateTime" is the time of the update
    And the newest activity log entry was made at the time of the update
    And the new activity log entries lead from the earlier status to the current one
    And the activity log entries are in time order
    When I remember the alert
    And I read the alert
    Then the alert is the one I remembered
    And every date-time of the alert is in UTC
