@live-writes
Feature: Setting the status an alert already has
  Saying again what is already true changes nothing and adds nothing to the log.

  Background:
    Given I am signed in with permission to update alerts
    And the alert under test

  @assumption
  Scenario Outline: Repeating the status <status>
    Given the alert is "<status>"
    When I change the alert's status to "<status>"
    Then the request succeeds with status 200
    And the response is a valid "partnerSecurityAlertEntity"
    And the alert's "status" is "<status>"
    And the activity log has 0 new entries

    Examples:
      | status        |
      | active        |
      | investigating |
      | resolved      |

  @assumption
  Scenario: Repeating "resolved" without a reason keeps the reason
    Given the alert is "active"
    And I change the alert's status to "resolved" with the reason "fraud"
    And I remember the alert
    When I change the alert's status to "resolved"
    Then the request succeeds with status 200
    And the alert's "resolvedReason" is "fraud"
    And the activity log has 0 new entries

  @assumption
  Scenario: Changing only the reason of a resolved alert
    Given the alert is "active"
    And I change the alert's status to "resolved" with the reason "legitimate"
    And I remember the alert
    When I change the alert's status to "resolved" with the reason "fraud"
    Then the request succeeds with status 200
    And the alert's "resolvedReason" is "fraud"
    And the activity log has 0 new entries
    And the alert's "resolvedOnDateTime" is as I remembered it
    And the alert's "resolvedBy" is as I remembered it
