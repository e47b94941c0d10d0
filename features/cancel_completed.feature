Feature: A completed export request cannot be cancelled
  Once a request has completed (it succeeded, failed or was cancelled), a cancel is answered
  "400 Bad Request" with an error message saying that the request is in an invalid state for a
  cancellation, and the request does not change.

  Background:
    Given I am an authorised integration user

  Scenario Outline: Cancelling a request that has already <outcome>
    Given an export request that has completed with progress "<outcome>"
    When I cancel the export request
    Then the answer is 400 Bad Request
    And the error message says the request is in an invalid state for cancellation
    And the request still shows progress "<outcome>"

    Examples: Outcomes any server can be brought to
      | outcome   |
      | succeeded |
      | cancelled |

    @fake-only
    Examples: Only the bundled fake can make an export fail on purpose
      | outcome |
      | failed  |
