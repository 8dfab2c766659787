Feature: Sign-in and permissions
  Only a signed-in caller with a partner security permission may read alerts, and only
  one with the read-write permission may change them.

  Background:
    Given the alert under test

  @live-safe @documented
  Scenario: Reading without signing in
    Given I am not signed in
    When I read the alert
    Then the request fails with status 401 in the Graph error envelope

  @live-safe @documented
  Scenario: Listing without signing in
    Given I am not signed in
    When I list the alerts
    Then the request fails with status 401 in the Graph error envelope

  @live-safe @assumption
  Scenario: A 401 names the token problem as Graph does
    Given I am not signed in
    When I read the alert
    Then the request fails with status 401 and error code "InvalidAuthenticationToken"
    And the error message mentions "Access token is empty"

  @live-safe @assumption
  Scenario: A 401 carries what client libraries need and no claims challenge
    Given I am not signed in
    When I list the alerts
    Then the request fails with status 401 and error code "InvalidAuthenticationToken"
    And the response has the header "request-id"
    And the error's "innerError.request-id" is the response header "request-id"
    And the response does not ask for a claims challenge

  @live-safe @documented
  Scenario Outline: Reading with an Authorization header that is not a bearer token: <header>
    Given I send the Authorization header "<header>"
    When I read the alert
    Then the request fails with status 401 in the Graph error envelope

    Examples:
      | header                                      |
      | Basic dXNlcjpwYXNzd29yZA==                  |
      | Bearer                                      |
      | Bearer !!.not-json.!!                       |
      | Bearer eyJhbGciOiJub25lIn0.bm90IGpzb24.     |

  @live-safe @assumption
  Scenario Outline: A token Graph cannot read is an InvalidAuthenticationToken: <header>
    Given I send the Authorization header "<header>"
    When I read the alert
    Then the request fails with status 401 and error code "InvalidAuthenticationToken"

    Examples:
      | header                                      |
      | Basic dXNlcjpwYXNzd29yZA==                  |
      | Bearer !!.not-json.!!                       |

  @live-writes @documented
  Scenario: Updating without signing in changes nothing
    Given I am signed in with permission to update alerts
    And the alert is "active"
    And I am not signed in
    When I change the alert's status to "resolved" with the reason "fraud"
    Then the request fails with status 401 in the Graph error envelope
    And the alert is unchanged

  @live-safe @documented @needs-expired-token
  Scenario: An expired token is refused
    Given I am signed in with a token that expired an hour ago
    When I read the alert
    Then the request fails with status 401 in the Graph error envelope

  @live-safe @assumption @needs-expired-token
  Scenario: An expired token is refused as expired
    Given I am signed in with a token that expired an hour ago
    When I read the alert
    Then the request fails with status 401 and error code "InvalidAuthenticationToken"
    And the error message mentions "expired"

  @live-safe @documented @needs-minting
  Scenario: A token that is not valid yet is refused
    Given I am signed in with a token that is not valid yet
    When I read the alert
    Then the request fails with status 401 in the Graph error envelope

  @live-safe @documented @needs-minting
  Scenario Outline: Reading with the delegated permission <permission>
    Given I am signed in as "alice@contoso.com" with the permissions "<permission>"
    When I read the alert
    Then the request succeeds with status 200

    Examples:
      | permission                    |
      | PartnerSecurity.Read.All      |
      | PartnerSecurity.ReadWrite.All |
      | User.Read PartnerSecurity.Read.All |

  @live-safe @documented @needs-unprivileged-token
  Scenario Outline: Reading without a partner security permission is refused: I <action>
    Given I am signed in without a partner security permission
    When I <action>
    Then the request fails with status 403 or 404 in the Graph error envelope

    Examples:
      | action          |
      | list the alerts |
      | read the alert  |

  @live-safe @assumption @needs-minting
  Scenario Outline: A forbidden request names the permissions: I <action>
    Given I am signed in as "alice@contoso.com" with the permissions "User.Read Mail.Read"
    When I <action>
    Then the request fails with status 403 and error code "Forbidden"
    And the error message mentions "PartnerSecurity.Read.All"
    And the error message mentions "User.Read"

    Examples:
      | action          |
      | list the alerts |
      | read the alert  |

  @live-writes @documented @needs-read-token
  Scenario: Updating with the permission to read only is forbidden and changes nothing
    Given I am signed in with permission to update alerts
    And the alert is "active"
    And I am signed in with permission to read alerts only
    When I change the alert's status to "investigating"
    Then the request fails with status 403 in the Graph error envelope
    And the alert is unchanged

  @live-writes @assumption @needs-read-token
  Scenario: A read-only caller's refused update names the permission it lacks
    Given I am signed in with permission to read alerts only
    When I change the alert's status to "investigating"
    Then the request fails with status 403 and error code "Forbidden"
    And the error message mentions "PartnerSecurity.ReadWrite.All"

  @live-writes @documented @needs-app-read-token
  Scenario: An application with the read role may read but not update
    Given I am signed in with permission to update alerts
    And the alert is "active"
    And I am an application with permission to read alerts
    When I read the alert
    Then the request succeeds with status 200
    When I change the alert's status to "investigating"
    Then the request fails with status 403 in the Graph error envelope
    And the alert is unchanged

  @mock-only @assumption @opaque-token
  Scenario: An opaque token is accepted by the mock (unless it checks signatures)
    Given I send the Authorization header "Bearer opaque-access-token"
    When I read the alert
    Then the request succeeds with status 200
