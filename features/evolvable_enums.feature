@mock-only
Feature: Evolvable enums
  Every enum of the alert ends in unknownFutureValue: members Microsoft adds later come
  after it, and a client sees them only when it asks with "Prefer:
  include-unknown-enum-members" (Microsoft Graph's evolvable enums pattern). No enum has
  such a member today, so these scenarios need a mock whose metadata declares one
  (alertmock -enum-member securityAlertSeverity=critical); against any other target they
  are skipped.

  Background:
    Given I am signed in with permission to update alerts
    And the alert under test
    And the alert has a severity added after unknownFutureValue

  @documented
  Scenario: A member added after unknownFutureValue reads as unknownFutureValue
    When I read the alert
    Then the request succeeds with status 200
    And the alert's "severity" is "unknownFutureValue"

  @documented
  Scenario: A client that accepts unknown members sees the member, and is told so
    When I read the alert accepting unknown enum members
    Then the request succeeds with status 200
    And the alert's "severity" is the member added after unknownFutureValue
    And the response header "Preference-Applied" is "include-unknown-enum-members"

  @documented
  Scenario: Filtering by unknownFutureValue finds the alert holding a later member
    When I list the alerts with "$filter=severity eq 'unknownFutureValue'"
    Then the request succeeds with status 200, unless the service refuses the query as unsupported
    And the listed alerts include the alert under test

  @documented
  Scenario: Filtering by a later member needs the client to accept unknown members
    When I list the alerts filtering "severity" by the member added after unknownFutureValue
    Then the request fails with status 400 in the Graph error envelope
    When I list the alerts accepting unknown enum members filtering "severity" by the member added after unknownFutureValue
    Then the request succeeds with status 200, unless the service refuses the query as unsupported
    And the listed alerts include the alert under test
