@live-writes
Feature: Invalid updates are refused and change nothing
  An update the service cannot apply is refused with a client error in the Graph
  error envelope, and the alert, with its activity log, stays exactly as it was.
  That much rests on what Microsoft documents: the enums and the `openType: false`
  of the alert type in Graph's metadata, the writable properties and the required
  status of the Update page, the Graph rule that a read-only property may not be
  changed. Which 4xx, which error code and what message are our assumptions, and
  are checked in scenarios of their own.

  Background:
    Given I am signed in with permission to update alerts
    And the alert under test
    And the alert is "active"

  @documented
  Scenario Outline: Refused: <problem>
    When I update the alert with the JSON '<body>'
    Then the update is refused with a client error in the Graph error envelope
    And the alert is unchanged

    Examples:
      | problem                                   | body                                                           |
      | a status that does not exist              | {"status": "bogus"}                                            |
      | a status in the wrong letter case         | {"status": "Resolved"}                                         |
      | a reason that does not exist              | {"status": "resolved", "resolvedReason": "oops"}               |
      | no status                                 | {"resolvedReason": "fraud"}                                    |
      | an empty object                           | {}                                                             |
      | a null status                             | {"status": null}                                               |
      | a status that is a number                 | {"status": 1}                                                  |
      | a reason that is a boolean                | {"status": "resolved", "resolvedReason": true}                 |
      | a property the alert does not have        | {"status": "resolved", "foo": "bar"}                           |
      | the read-only display name                | {"status": "resolved", "displayName": "Nothing to see"}        |
      | the read-only resolvedBy                  | {"status": "resolved", "resolvedBy": "eve@contoso.com"}        |
      | a type annotation of another type         | {"@odata.type": "#microsoft.graph.user", "status": "resolved"} |
      | a JSON object cut short                   | {"status": "resolved"                                          |
      | a JSON array                              | [{"status": "resolved"}]                                       |
      | a bare JSON string                        | "resolved"                                                     |
      | JSON null                                 | null                                                           |
      | no body at all                            |                                                                |
      | two JSON objects                          | {"status": "resolved"}{}                                       |

  @assumption
  Scenario Outline: Refused by our decision: <problem>
    When I update the alert with the JSON '<body>'
    Then the update is refused with a client error in the Graph error envelope
    And the alert is unchanged

    Examples:
      | problem                                   | body                                                   |
      | the read-only activity log, as it is      | {"status": "investigating", "activityLogs": []}        |
      | the read-only id, even with its own value | {"status": "investigating", "id": "{alert id}"}        |
      | a reason without resolving the alert      | {"status": "investigating", "resolvedReason": "fraud"} |

  @assumption
  Scenario Outline: A refused update is a 400 BadRequest naming the problem: <problem>
    When I update the alert with the JSON '<body>'
    Then the request fails with status 400 and error code "BadRequest"
    And the error message mentions "<names>"

    Examples:
      | problem                                   | body                                                           | names             |
      | a status that does not exist              | {"status": "bogus"}                                            | 'bogus'           |
      | a status in the wrong letter case         | {"status": "Resolved"}                                         | 'status'          |
      | a reason that does not exist              | {"status": "resolved", "resolvedReason": "oops"}               | 'resolvedReason'  |
      | no status                                 | {"resolvedReason": "fraud"}                                    | 'status'          |
      | an empty object                           | {}                                                             | 'status'          |
      | a null status                             | {"status": null}                                               | 'status'          |
      | a status that is a number                 | {"status": 1}                                                  | 'status'          |
      | a reason that is a boolean                | {"status": "resolved", "resolvedReason": true}                 | 'resolvedReason'  |
      | a property the alert does not have        | {"status": "resolved", "foo": "bar"}                           | 'foo'             |
      | the read-only display name                | {"status": "resolved", "displayName": "Nothing to see"}        | 'displayName'     |
      | the read-only resolvedBy                  | {"status": "resolved", "resolvedBy": "eve@contoso.com"}        | 'resolvedBy'      |
      | the read-only activity log                | {"status": "investigating", "activityLogs": []}                | 'activityLogs'    |
      | the read-only id, even with its own value | {"status": "investigating", "id": "{alert id}"}                | 'id'              |
      | a reason without resolving the alert      | {"status": "investigating", "resolvedReason": "fraud"}         | 'resolvedReason'  |
      | a type annotation of another type         | {"@odata.type": "#microsoft.graph.user", "status": "resolved"} | '@odata.type'     |

  @assumption
  Scenario Outline: A body the service cannot read is a 400 BadRequest: <problem>
    When I update the alert with the JSON '<body>'
    Then the request fails with status 400 and error code "BadRequest"

    Examples:
      | problem                  | body                     |
      | a JSON object cut short  | {"status": "resolved"    |
      | a JSON array             | [{"status": "resolved"}] |
      | a bare JSON string       | "resolved"               |
      | JSON null                | null                     |
      | no body at all           |                          |
      | two JSON objects         | {"status": "resolved"}{} |

  @assumption
  Scenario Outline: Refused: a body declared as <type>
    When I update the alert with the Content-Type "<type>" and the body:
      """
      {"status": "resolved"}
      """
    Then the request fails with status 415 and error code "UnsupportedMediaType"
    And the alert is unchanged

    Examples:
      | type                              |
      | text/plain                        |
      | application/xml                   |
      | application/x-www-form-urlencoded |
      | application/json-patch+json       |

  @assumption
  Scenario: Refused: a body without a Content-Type
    When I update the alert without a Content-Type with the body:
      """
      {"status": "resolved"}
      """
    Then the request fails with status 415 and error code "UnsupportedMediaType"
    And the alert is unchanged

  @assumption
  Scenario: Refused: a valid update padded to more than 1 MiB
    When I update the alert with a body of 2 MiB
    Then the request fails with status 413 and error code "RequestEntityTooLarge"
    And the alert is unchanged
