Feature: Alerts and paths that do not exist
  Asking for an alert that does not exist, or for a path or method the API does not
  have, is answered with an error that says what was not found.

  Background:
    Given I am signed in with permission to update alerts

  @live-safe @documented
  Scenario: Reading an alert that does not exist is a 404
    When I read the alert with the id "00000000-0000-4000-8000-000000000000"
    Then the request fails with status 404 in the Graph error envelope

  @live-writes @documented
  Scenario: Updating an alert that does not exist is a 404
    When I update the alert with the id "00000000-0000-4000-8000-000000000000" with:
      """
      {"status": "investigating"}
      """
    Then the request fails with status 404 in the Graph error envelope

  @live-safe @assumption
  Scenario: Reading an alert that does not exist
    When I read the alert with the id "00000000-0000-4000-8000-000000000000"
    Then the request fails with status 404 and error code "ResourceNotFound"
    And the error message mentions "00000000-0000-4000-8000-000000000000"

  @live-writes @assumption
  Scenario: Updating an alert that does not exist
    When I update the alert with the id "00000000-0000-4000-8000-000000000000" with:
      """
      {"status": "investigating"}
      """
    Then the request fails with status 404 and error code "ResourceNotFound"
    And the error message mentions "00000000-0000-4000-8000-000000000000"

  @live-safe @assumption
  Scenario Outline: A path the API does not have: <path>
    When I send a GET request to "<path>"
    Then the request fails with status 404 and error code "ResourceNotFound"
    And the error message mentions "'<segment>'"

    Examples:
      | path                             | segment        |
      | /security/partner/securityAlertz | securityAlertz |
      | /security/partners/securityAlerts | partners      |

  # Sent to an alert that does not exist, so that the request is harmless on
  # any service, whatever it does with the method.
  @live-writes @assumption
  Scenario Outline: A method the API does not have: <method>
    When I send a <method> request to "/security/partner/securityAlerts/00000000-0000-4000-8000-000000000000"
    Then the request fails with status 405 and error code "MethodNotAllowed"
    And the response header "Allow" lists "<allowed>"

    Examples:
      | method | allowed |
      | DELETE | PATCH   |
      | PUT    | GET     |
      | POST   | GET     |
