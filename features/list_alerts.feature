@live-safe
Feature: List, filter and page through alerts
  As a partner I list the alerts of my customers, narrow the list down, choose the
  properties I need and read it page by page.

  Background:
    Given I am signed in with permission to read alerts

  @documented
  Scenario: List alerts
    When I list the alerts
    Then the request succeeds with status 200
    And the response is a valid "partnerSecurityAlertCollectionResponse"

  @assumption
  Scenario: The list is sent as OData JSON
    When I list the alerts
    Then the request succeeds with status 200
    And the response header "Content-Type" has the parameter "odata.metadata=minimal"
    And the response header "OData-Version" is "4.0"

  @assumption
  Scenario Outline: The list names its entity set in its OData context: <query>
    When I list the alerts with "<query>"
    Then the request succeeds with status 200
    And the "@odata.context" ends with "<context>"

    Examples:
      | query                       | context                                                        |
      | $top=1                      | $metadata#security/partner/securityAlerts                      |
      | $select=id,status,severity  | $metadata#security/partner/securityAlerts(id,status,severity)  |

  @documented
  Scenario Outline: Only alerts in status <status>
    When I list the alerts with "$filter=status eq '<status>'"
    Then the request succeeds with status 200
    And the listed alerts are exactly the alerts of the whole list where "status" is "<status>"

    Examples:
      | status        |
      | active        |
      | investigating |
      | resolved      |

  @documented
  Scenario: Only alerts of high severity that are still active
    When I list the alerts with "$filter=severity eq 'high' and status eq 'active'"
    Then the request succeeds with status 200, unless the service refuses the query as unsupported
    And the listed alerts are exactly the alerts of the whole list where "severity" is "high" and "status" is "active"

  @documented
  Scenario: Only alerts that are not resolved
    When I list the alerts with "$filter=status ne 'resolved'"
    Then the request succeeds with status 200, unless the service refuses the query as unsupported
    And the listed alerts are exactly the alerts of the whole list where "status" is not "resolved"

  @documented
  Scenario: Alerts that meet either of two conditions
    When I list the alerts with "$filter=(severity eq 'high' or severity eq 'low') and status ne 'resolved'"
    Then the request succeeds with status 200, unless the service refuses the query as unsupported
    And the listed alerts are exactly the alerts of the whole list where "severity" is one of "high,low" and "status" is not "resolved"

  @assumption
  Scenario Outline: The filters of the documented scenarios are supported: <query>
    When I list the alerts with "<query>"
    Then the request succeeds with status 200

    Examples:
      | query                                                          |
      | $filter=severity eq 'high' and status eq 'active'              |
      | $filter=status ne 'resolved'                                   |
      | $filter=(severity eq 'high' or severity eq 'low') and status ne 'resolved' |
      | $filter=resolvedReason ne 'fraud'                              |
      | $filter=resolvedReason eq null                                 |
      | $filter=resolvedReason ne null                                 |
      | $filter=resolvedReason eq 'fraud'                              |

  @assumption
  Scenario: Alerts detected since a date
    When I list the alerts with "$filter=detectedDateTime ge 2024-06-01T00:00:00Z"
    Then the request succeeds with status 200
    And the listed alerts are exactly the alerts of the whole list where "detectedDateTime" is on or after "2024-06-01T00:00:00Z"

  @documented
  Scenario: Only some properties
    Given there are at least 1 alerts
    When I list the alerts with "$select=id,status,severity"
    Then the request succeeds with status 200
    And the response is a valid "partnerSecurityAlertCollectionResponse"
    And every listed alert has only the properties "id,status,severity"

  @documented
  Scenario: Filtering on a property that is not selected
    When I list the alerts with "$filter=status eq 'active'&$select=id,severity"
    Then the request succeeds with status 200
    And the listed alerts are exactly the alerts of the whole list where "status" is "active"

  @documented
  Scenario: Counting the alerts
    When I list the alerts with "$count=true"
    Then the request succeeds with status 200
    And the "@odata.count" is at least the number of listed alerts
    And the "@odata.count" is the number of alerts of the whole list

  @documented
  Scenario Outline: Counting counts the filtered alerts, not the page: <query>
    When I list the alerts with "<query>"
    Then the request succeeds with status 200, unless the service refuses the query as unsupported
    And the "@odata.count" is the number of alerts of the whole list where <condition>

    Examples:
      | query                                           | condition                                                 |
      | $filter=status eq 'active'&$count=true          | "status" is "active"                                      |
      | $filter=status ne 'resolved'&$count=true        | "status" is not "resolved"                                |
      | $filter=resolvedReason ne 'fraud'&$count=true   | "resolvedReason" is not "fraud"                           |

  @assumption
  Scenario: Counting with a page size counts every match, not the page
    When I list the alerts with "$filter=status ne 'resolved'&$count=true&$top=1"
    Then the request succeeds with status 200
    And the "@odata.count" is the number of alerts of the whole list where "status" is not "resolved"

  @documented
  Scenario: A nullable property is unequal to a value when it is null
    When I list the alerts with "$filter=resolvedReason ne 'fraud'"
    Then the request succeeds with status 200, unless the service refuses the query as unsupported
    And the listed alerts are exactly the alerts of the whole list where "resolvedReason" is not "fraud"

  @documented
  Scenario Outline: Comparing a nullable property with null: <query>
    When I list the alerts with "<query>"
    Then the request succeeds with status 200, unless the service refuses the query as unsupported
    And the listed alerts are exactly the alerts of the whole list where <condition>

    Examples:
      | query                                | condition                        |
      | $filter=resolvedReason eq null       | "resolvedReason" is null         |
      | $filter=resolvedReason ne null       | "resolvedReason" is not null     |
      | $filter=resolvedReason eq 'fraud'    | "resolvedReason" is "fraud"      |

  @assumption
  Scenario Outline: An ordering comparison with a null date-time is false: <query>
    When I list the alerts with "<query>"
    Then the request succeeds with status 200
    And the listed alerts are exactly the alerts of the whole list where <condition>

    Examples:
      | query                                                   | condition                                                |
      | $filter=resolvedOnDateTime lt 2100-01-01T00:00:00Z      | "resolvedOnDateTime" is before "2100-01-01T00:00:00Z"    |
      | $filter=resolvedOnDateTime ge 2000-01-01T00:00:00Z      | "resolvedOnDateTime" is on or after "2000-01-01T00:00:00Z" |

  @documented
  Scenario: Listed alerts carry every property, null where it has no value
    Given there are at least 1 alerts
    When I list the alerts
    Then the request succeeds with status 200
    And every listed alert has every property of its type, null where it has no value
    And every date-time of the listed alerts is in UTC

  @documented
  Scenario: The "$" prefix is optional for a filter too
    When I list the alerts with "filter=status eq 'resolved'"
    Then the request succeeds with status 200
    And the listed alerts are exactly the alerts of the whole list where "status" is "resolved"

  @assumption
  Scenario: A page of up to 999 alerts can be asked for
    When I list the alerts with "$top=999"
    Then the request succeeds with status 200

  @documented
  Scenario: The "$" prefix of a query option is optional
    Given there are at least 1 alerts
    When I list the alerts with "select=id,status"
    Then the request succeeds with status 200
    And every listed alert has only the properties "id,status"

  @assumption
  Scenario: The "$" prefix of the page size is optional
    Given there are at least 2 alerts
    When I list the alerts with "top=1"
    Then the request succeeds with status 200
    And 1 alert is listed

  @assumption
  Scenario: A page holds no more alerts than asked for, and says where the next one is
    Given there are at least 3 alerts
    When I list the alerts with "$top=2"
    Then the request succeeds with status 200
    And 2 alerts are listed
    And there is a next page link that keeps "$top=2"

  @assumption
  Scenario: Reading every page gives every alert exactly once
    Given there are at least 3 alerts
    When I read every page of the alerts with "$top=2&$count=true"
    Then every page was a valid "partnerSecurityAlertCollectionResponse"
    And every page but the last had a next page link that keeps "$top=2&$count=true"
    And the last page had no next page link
    And the alerts read number the "@odata.count", with no alert twice
    And every page had the same "@odata.count"
    And no page was empty

  @assumption
  Scenario: Paging through a filtered list counts and gives only the matches
    Given there are at least 3 alerts
    When I read every page of the alerts with "$filter=status ne 'resolved'&$top=2&$count=true"
    Then every page was a valid "partnerSecurityAlertCollectionResponse"
    And the last page had no next page link
    And the alerts read number the "@odata.count", with no alert twice
    And the alerts read are exactly the alerts of the whole list where "status" is not "resolved"

  @assumption
  Scenario: Every page keeps the order and the chosen properties
    Given there are at least 3 alerts
    When I read every page of the alerts with "$orderby=detectedDateTime desc&$select=id,status,detectedDateTime&$top=2"
    Then every page but the last had a next page link that keeps "$orderby=detectedDateTime desc&$select=id,status,detectedDateTime&$top=2"
    And the alerts read are ordered by "detectedDateTime" descending
    And every alert read has only the properties "id,status,detectedDateTime"

  @assumption
  Scenario: Skipping past the end gives an empty last page
    When I list the alerts with "$skip=100000&$count=true"
    Then the request succeeds with status 200
    And 0 alerts are listed
    And there is no next page link
    And the "@odata.count" is at least the number of listed alerts

  @assumption
  Scenario: Newest alerts first
    When I list the alerts with "$orderby=detectedDateTime desc"
    Then the request succeeds with status 200
    And the listed alerts are ordered by "detectedDateTime" descending
    And the listed alerts are all the alerts of the whole list

  @assumption
  Scenario: Oldest alerts first
    When I list the alerts with "$orderby=detectedDateTime"
    Then the request succeeds with status 200
    And the listed alerts are ordered by "detectedDateTime" ascending
    And the listed alerts are all the alerts of the whole list

  @assumption
  Scenario: Ordering by severity follows the order of the severity values
    When I list the alerts with "$orderby=severity"
    Then the request succeeds with status 200
    And the listed alerts are ordered by "severity" as "informational,high,medium,low,unknownFutureValue"
    And the listed alerts are all the alerts of the whole list

  @assumption
  Scenario Outline: A query option the service cannot honour is refused with its name: <query>
    When I list the alerts with "<query>"
    Then the request fails with status 400 and error code "BadRequest"
    And the error message mentions "<option>"

    Examples:
      | query                        | option    |
      | $top=0                       | '$top'    |
      | $top=many                    | '$top'    |
      | $top=1000                    | '$top'    |
      | $expand=activityLogs         | '$expand' |
      | $skip=-1                     | '$skip'   |
      | $count=perhaps               | '$count'  |
      | $select=id,bogus             | '$select' |
      | $orderby=displayName         | '$orderby' |
      | $filter=status eq            | '$filter' |
      | $filter=colour eq 'red'      | '$filter' |
      | $filter=status eq 'bogus'    | '$filter' |
