Feature: An export runs to completion
  A submitted export request is accepted at once and runs in the background: it is "pending" or
  "processing" while its tables are exported one after another, and "succeeded" once every table
  has produced its files, each with a record count and an md5 checksum. A body the API cannot
  read is refused with "400 Bad Request" and an error document.

  Background:
    Given I am an authorised integration user

  Scenario: Submitting an export and watching it finish
    When I submit an export request
    Then the answer is 202 Accepted
    And the answer is the status document of a new request
    And eventually the request has succeeded
    And the request is completed
    And every table has succeeded with its parts, record counts and checksums

  Scenario: A body that is not valid JSON is refused
    When I submit an export request whose body is not valid JSON
    Then the answer is 400 Bad Request
