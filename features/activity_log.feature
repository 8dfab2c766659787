Feature: Activity log and resolution details
  Every status change is recorded in the alert's activity log with who made it and
  when, and a resolved alert says who resolved it and when.

  Background:
    Given I am signed in with permission to update alerts
    And the alert under test

  @live-writes @documented
  Scenario: Starting an investigation is recorded in the activity log
    Given the alert is "active"
    When I change the alert's status to "investigating"
    Then the request succeeds with status 200
    And the new activity log entries lead from the earlier status to the current one
    And the newest activity log entry records a change from "active" to "investigating"
    And the newest activity log entry was made by the signed-in user
    And the newest activity log entry was made at the time of the update

  @live-writes @assumption
  Scenario: A status change adds exactly one entry
    Given the alert is "active"
    When I change the alert's status to "investigating"
    Then the request succeeds with status 200
    And the activity log has 1 new entry

  @live-writes @assumption
  Scenario: Starting an investigation does not resolve the alert
    Given the alert is "active"
    When I change the alert's status to "investigating"
    Then the request succeeds with status 200
    And the alert's "resolvedReason" is null
    And the alert's "resolvedBy" is null
    And the alert's "resolvedOnDateTime" is null

  @live-writes @documented
  Scenario: Resolving records who resolved the alert and when
    Given the alert is "investigating"
    When I change the alert's status to "resolved" with the reason "ignore"
    Then the request succeeds with status 200
    And the new activity log entries lead from the earlier status to the current one
    And the newest activity log entry records a change from "investigating" to "resolved"
    And the alert's "resolvedBy" is the signed-in user
    And the alert's "resolvedOnDateTime" is the time of the update

  @live-writes @assumption
  Scenario: Each change adds its own entry, in order
    Given the alert is "active"
    When I change the alert's status to "investigating"
    And I change the alert's status to "resolved" with the reason "fraud"
    And I read the alert
    Then the activity log has 2 new entries
    And the newest activity log entry records a change from "investigating" to "resolved"

  @live-writes @assumption
  Scenario: Reopening a resolved alert clears its resolution
    Given the alert is "resolved"
    When I change the alert's status to "active"
    Then the request succeeds with status 200
    And the activity log has 1 new entry
    And the newest activity log entry records a change from "resolved" to "active"
    And the alert's "resolvedReason" is null
    And the alert's "resolvedBy" is null
    And the alert's "resolvedOnDateTime" is null

  @live-writes @documented
  Scenario: Status changes sent at once are each recorded once
    Given the alert is "active"
    When I send 8 status changes at once
    Then every acknowledged change is in the activity log exactly once, in an unbroken chain

  @live-writes @documented
  Scenario: Later changes are logged later
    Given the alert is "active"
    When I change the alert's status to "investigating"
    And I change the alert's status to "active"
    And I change the alert's status to "resolved" with the reason "ignore"
    Then the request succeeds with status 200
    And the new activity log entries lead from the earlier status to the current one
    And the activity log entries are in time order
    And the newest activity log entry was made at the time of the update

  @live-writes @assumption @needs-app-token
  Scenario: An application changing the status is recorded by its application id
    Given I am an application with permission to update alerts
    And the alert is "active"
    When I change the alert's status to "resolved" with the reason "legitimate"
    Then the request succeeds with status 200
    And the newest activity log entry was made by the signed-in application
    And the alert's "resolvedBy" is the signed-in application

  @mock-only @assumption @opaque-token
  Scenario: A change made with an opaque token is recorded as the mock's default user
    Given I send the Authorization header "Bearer opaque-access-token"
    And the alert is "active"
    When I change the alert's status to "investigating"
    Then the request succeeds with status 200
    And the newest activity log entry was made by "alertmock@contoso.com"
