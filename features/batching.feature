Feature: JSON batching
  A client may combine up to 20 requests into one POST to $batch. Each request is
  answered on its own, in a response found by the request's id (responses may come in
  any order); a request whose dependency failed answers 424; a batch that breaks the
  rules is refused whole with a 400 ("Combine multiple HTTP requests using JSON
  batching").

  Background:
    Given I am signed in with permission to update alerts
    And the alert under test

  @live-safe @documented
  Scenario: Each response is found by its request's id, not by its position
    Given another alert
    When I send the batch:
      | id     | method | url                                               | depends on |
      | second | GET    | /security/partner/securityAlerts/{other alert id} | first      |
      | first  | GET    | /security/partner/securityAlerts/{alert id}       |            |
    Then the request succeeds with status 200
    And the batch response "first" has status 200
    And the batch response "first" is the alert under test
    And the batch response "second" has status 200
    And the batch response "second" is the other alert

  @live-writes @documented
  Scenario: An update in a batch is kept, and a read that depends on it sees it
    Given the alert is "active"
    When I send the batch:
      | id     | method | url                                         | body                         | depends on |
      | update | PATCH  | /security/partner/securityAlerts/{alert id} | {"status":"investigating"}   |            |
      | read   | GET    | /security/partner/securityAlerts/{alert id} |                              | update     |
    Then the request succeeds with status 200
    And the batch response "update" has status 200
    And the batch response "read" has the alert's "status" "investigating"
    When I read the alert
    Then the alert's "status" is "investigating"

  @live-writes @documented
  Scenario: A bad request fails alone: the others of the batch are answered
    Given the alert is "active"
    When I send the batch:
      | id   | method | url                                         | body                 |
      | bad  | PATCH  | /security/partner/securityAlerts/{alert id} | {"status":"bogus"}   |
      | read | GET    | /security/partner/securityAlerts/{alert id} |                      |
    Then the request succeeds with status 200
    And the batch response "bad" is a client error in the Graph error envelope
    And the batch response "read" has status 200
    And the alert is unchanged

  @live-writes @documented
  Scenario: A request whose dependency failed answers 424 and is not run
    Given the alert is "active"
    When I send the batch:
      | id      | method | url                                         | body                                           | depends on |
      | bad     | PATCH  | /security/partner/securityAlerts/{alert id} | {"status":"bogus"}                             |            |
      | resolve | PATCH  | /security/partner/securityAlerts/{alert id} | {"status":"resolved","resolvedReason":"fraud"} | bad        |
    Then the request succeeds with status 200
    And the batch response "bad" is a client error in the Graph error envelope
    And the batch response "resolve" has status 424
    And the alert is unchanged

  @live-safe @documented
  Scenario: Ids that differ only in letter case are refused
    When I send the batch:
      | id | method | url                                         |
      | a  | GET    | /security/partner/securityAlerts/{alert id} |
      | A  | GET    | /security/partner/securityAlerts/{alert id} |
    Then the request fails with status 400 in the Graph error envelope

  @live-safe @documented
  Scenario: A batch holds at most 20 requests
    When I send a batch of 20 reads of the alert
    Then the request succeeds with status 200
    And the batch response "20" has status 200
    When I send a batch of 21 reads of the alert
    Then the request fails with status 400 in the Graph error envelope

  @live-safe @documented
  Scenario: A request with a body needs a Content-Type header
    When I send a batch with an update that has a body but no headers
    Then the request fails with status 400 in the Graph error envelope

  @mock-only @documented
  Scenario: A throttled request answers 429 with its own Retry-After; the batch answers 200
    Given the service will throttle my next request
    When I send the batch:
      | id     | method | url                                         |
      | first  | GET    | /security/partner/securityAlerts/{alert id} |
      | second | GET    | /security/partner/securityAlerts?$top=1     |
    Then the request succeeds with status 200
    And the batch response "first" has status 429
    And the batch response "first" has the header "Retry-After"
    And the batch response "second" has status 200
