Feature: The service root and the metadata document
  Microsoft Graph answers at its service root with the OData service document and
  publishes its metadata document ($metadata) there; OData tools and client
  generators read it first. The metadata must describe the alert as the contract does.

  Background:
    Given I am signed in with permission to read alerts

  @live-safe @documented
  Scenario: The service root is the OData service document
    When I read the service root
    Then the request succeeds with status 200
    And the response header "Content-Type" is JSON
    And the service document's context is the metadata document
    And the service document lists the singleton "security"

  @live-safe @documented
  Scenario: The metadata document describes the partner security alert
    When I read the metadata document
    Then the request succeeds with status 200
    And the response is CSDL XML
    And the metadata declares the alert as the description does

  @live-safe @assumption
  Scenario: The service root and the metadata document need no token
    Given I am not signed in
    When I read the service root
    Then the request succeeds with status 200
    When I read the metadata document
    Then the request succeeds with status 200
    And the response is CSDL XML
