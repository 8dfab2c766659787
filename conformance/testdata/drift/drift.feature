Feature: Where the mock and the reference server part ways
  Test data for the drift report: the mock and the reference server
  (conformance/internal/refserver) agree on the documented behaviour and word
  some error messages differently, an assumption only the mock's wording meets.

  Background:
    Given I am signed in with permission to update alerts
    And the alert under test
    And the alert is "active"

  @live-safe @documented
  Scenario: Read an alert
    When I read the alert
    Then the request succeeds with status 200
    And the alert's "id" is the id of the alert under test

  @live-writes @documented
  Scenario: A property the alert does not have is refused
    When I update the alert with the JSON '{"status": "resolved", "foo": "bar"}'
    Then the request fails with status 400 and error code "BadRequest"
    And the alert is unchanged

  @live-writes @assumption
  Scenario: The refusal of an unknown property says which names to use
    When I update the alert with the JSON '{"status": "resolved", "foo": "bar"}'
    Then the request fails with status 400 and error code "BadRequest"
    And the error message mentions "Make sure to only use property names"
