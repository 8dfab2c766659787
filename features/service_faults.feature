@mock-only
Feature: Throttling and service faults
  When the service is busy or failing it says so in the Graph error envelope, with the
  request identifiers, and a client that tries again later succeeds. Only the mock can
  be made to fail on purpose.

  Background:
    Given I am signed in with permission to update alerts
    And the alert under test

  @documented
  Scenario: A throttled request says when to try again
    Given the service will throttle my next request
    When I read the alert
    Then the request fails with status 429 in the Graph error envelope
    And the response has the header "Retry-After"
    When I read the alert
    Then the request succeeds with status 200

  @assumption
  Scenario: A throttled request is a TooManyRequests, as in Microsoft's sample
    Given the service will throttle my next request
    When I read the alert
    Then the request fails with status 429 and error code "TooManyRequests"

  @documented
  Scenario Outline: A service fault is reported in the error envelope: <status>
    Given the service will fail my next request with status <status>
    When I list the alerts
    Then the request fails with status <status> in the Graph error envelope

    Examples:
      | status |
      | 500    |
      | 503    |
      | 504    |

  @assumption
  Scenario Outline: A service fault names its status in the error code: <status> <code>
    Given the service will fail my next request with status <status>
    When I list the alerts
    Then the request fails with status <status> and error code "<code>"
    And the response is a valid "ODataError"
    And the error's "innerError.request-id" is the response header "request-id"

    Examples:
      | status | code                |
      | 500    | InternalServerError |
      | 503    | ServiceUnavailable  |
      | 504    | GatewayTimeout      |

  @assumption
  Scenario: An update that meets a fault changes nothing
    Given the alert is "active"
    And the service will fail my next request with status 503
    When I change the alert's status to "resolved" with the reason "fraud"
    Then the request fails with status 503 in the Graph error envelope
    And the alert is unchanged
