Feature: What every exchange is judged by
  Every answer is judged by the oracle (docs/conformance.md, "The oracle"), so these
  scenarios hold little of their own: they make the exchanges some rules need. The
  documented side of a rule and our assumption each have a scenario.

  Background:
    Given I am signed in with permission to update alerts
    And the alert under test

  @live-safe @documented
  Scenario: Selecting properties without the id gives at least those
    When I read the alert selecting "status,severity"
    Then the request succeeds with status 200
    And the alert has the properties "status,severity"
    When I list the alerts with "$select=status,severity"
    Then the request succeeds with status 200
    And every listed alert has the properties "status,severity"

  @live-safe @assumption
  Scenario: Selecting properties without the id gives exactly those
    When I read the alert selecting "status,severity"
    Then the request succeeds with status 200
    And the alert has only the properties "severity,status"

  @live-writes @documented
  Scenario: Changes made a while apart are logged that far apart
    Given the alert is "active"
    When I change the alert's status to "investigating"
    And I wait 2.5 seconds
    And I change the alert's status to "resolved" with the reason "legitimate"
    Then the request succeeds with status 200
    And the activity log entries are in time order
    And the newest activity log entry was made at the time of the update

  @live-writes @assumption
  Scenario: A status change shows in the list at once
    Given the alert is "active"
    When I change the alert's status to "investigating"
    And I read every page of the alerts with "$select=id,status"
    Then the list showed the alert under test with "status" "investigating" at once
