@live-writes @documented
Feature: Every update the description forbids is refused and changes nothing
  The refusals are not only listed by hand: these steps read the OpenAPI
  description (the PATCH body's writable properties, the alert's read-only ones,
  their types, enums and nullability) and send, one at a time, every value it
  forbids. Each must be refused with a client error in the Graph error envelope,
  and the alert read afterwards must be as it was. A property or enum member
  added to the description is probed without editing this file.

  Background:
    Given I am signed in with permission to update alerts
    And the alert under test
    And the alert is "active"

  Scenario: Values outside a writable property's enum, of a wrong JSON type, or null where it is not nullable
    Then every value the description forbids for a writable property is refused and changes nothing

  Scenario: Every read-only property set to another value
    Then every read-only property of the description, set to another value, is refused and changes nothing

  Scenario: A property the alert type does not declare
    Then a property the description does not declare is refused and changes nothing
