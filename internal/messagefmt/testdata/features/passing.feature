@fixture
Feature: Everything that passes
  A feature whose scenarios all pass.

  Background:
    Given a passing step

  Scenario: Arguments of every kind
    When a step with the argument "forty-two"
    And 3 items cost 12 EUR
    And a step with a doc string:
      """json
      {"answer": 42}
      """
    Then a step with a table:
      | name  | value |
      | speed | fast  |

  @attachments
  Scenario: Attachments
    When a step that attaches text, JSON, an image and an untyped blob
    Then a step of the scenario's own state

  Scenario Outline: An outline with <count> items
    Then <count> items cost 10

    Examples:
      | count |
      | 1     |
      | 2     |
