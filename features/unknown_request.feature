Feature: Unknown export requests
  An id that names no export request is answered "404 Not Found", whatever it looks like: a
  number that was never issued, text, or something absurdly long. It is never a server error.

  Background:
    Given I am an authorised integration user

  Scenario Outline: Cancelling an id that names no request
    Given no export request has the id "<id>"
    When I cancel export request "<id>"
    Then the answer is 404 Not Found

    Examples:
      | id                                                 |
      | 987654321987                                       |
      | not-a-number                                       |
      | 99999999999999999999999999999999999999999999999999 |

  Scenario: Checking the status of an id that names no request
    Given no export request has the id "987654321987"
    When I check the status of export request "987654321987"
    Then the answer is 404 Not Found
