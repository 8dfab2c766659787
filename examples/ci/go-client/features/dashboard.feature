Feature: Our dashboard shows what the alerts API holds
  The suite's steps (conformance -list-steps) beside two of our own: our
  wording of "the request succeeds with status N", which the suite has too,
  and a check that reads the suite's state.

  Scenario: A resolved alert shows as resolved
    Given I am signed in with permission to update alerts
    When I change the alert's status to "resolved" with the reason "fraud"
    Then the request succeeds with status 200
    And our dashboard shows the alert as "resolved"

  Scenario: An alert under investigation shows as investigating
    Given I am signed in with permission to update alerts
    When I change the alert's status to "investigating"
    Then the request succeeds with status 200
    And our dashboard shows the alert as "investigating"
