Feature: Everything that does not pass

  Scenario: A failing step skips the rest
    Given a passing step
    When a step that fails
    Then a passing step

  Scenario: An undefined step
    Given a step nobody defined
    Then a passing step

  Scenario: A pending step
    Given a pending step

  Scenario: An ambiguous step
    Given an ambiguous step

  Scenario: A panicking step
    Given a step that panics

  Scenario: An ambiguous step after a failure is never reported by godog
    Given a step that fails
    Then an ambiguous step
