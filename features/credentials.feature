Feature: Every call needs credentials
  The API answers "401 Unauthorized" with a challenge to a call that carries no credentials, and
  such a call changes nothing.

  Scenario: Checking a status without credentials
    Given I am an authorised integration user
    And an export request that is still running
    When I check the status of the export request without credentials
    Then the answer is 401 Unauthorized
    And the answer asks for credentials

  Scenario: Submitting an export without credentials
    Given I am an authorised integration user
    When I submit an export request without credentials
    Then the answer is 401 Unauthorized
    And the answer asks for credentials

  Scenario: Cancelling without credentials has no effect
    Given I am an authorised integration user
    And an export request that is still running
    When I cancel the export request without credentials
    Then the answer is 401 Unauthorized
    And the answer asks for credentials
    And the request has not been cancelled
