Feature: Cancelling a running export request
  An export request that was submitted in error, or should not be allowed to complete, can be
  cancelled with the cancel custom action: a POST with no body to
  /custom-actions/cancel/exportRequests/{requestID}.

  While the request is still running, the cancel is accepted (the use-case page says "200 OK";
  a team whose tenant answers "204 No Content" says so in contract.cancel_accepted) and the
  request is marked "cancelling". Running tables stop as soon as possible and are marked
  "cancelled"; tables that had already finished keep their "succeeded" or "failed" state and
  their files. Some time later (within contract.cancel_settles_within: 30 seconds unless the team
  says otherwise) the request shows "cancelled" and counts as completed.

  Background:
    Given I am an authorised integration user

  Scenario: A running request is cancelled
    Given an export request that is still running
    When I cancel the export request
    Then the cancel is accepted
    And the request is marked as cancelling
    And eventually the request is cancelled
    And the request is completed
    And no table is still pending or processing

  Scenario: Tables that finished before the cancellation keep their results
    Given an export request that is still running, with at least one table finished
    When I cancel the export request
    Then the cancel is accepted
    And eventually the request is cancelled
    And every table that had finished before the cancellation kept its progress, parts and checksums
    And no table is still pending or processing

  @needs-slow-cancel
  Scenario: Cancelling again while the cancellation is under way is accepted
    The request has not completed while it is still "cancelling", so a second cancel is
    answered like the first.

    Given an export request that is being cancelled
    When I cancel the export request again
    Then the cancel is accepted
    And eventually the request is cancelled

  @fake-only
  Scenario: The vendor's worked example: request 12345 is cancelled half-way
    Request 12345 was submitted with the wrong filter. Its SHIPMENT table has already been
    exported (92 records); SHIPMENT_REFNUM has not started yet.

    Given export request 12345 is running with these tables:
      | table           | progress  | records | checksum                         |
      | SHIPMENT        | succeeded | 92      | c9179dae8947cb56abaed4f6c2ea09b3 |
      | SHIPMENT_REFNUM | pending   |         |                                  |
    When I cancel export request "12345"
    Then the answer is 200 OK
    And the request shows progress "cancelling"
    And its tables show:
      | table           | progress  | records | checksum                         |
      | SHIPMENT        | succeeded | 92      | c9179dae8947cb56abaed4f6c2ea09b3 |
      | SHIPMENT_REFNUM | pending   |         |                                  |
    And eventually the request is cancelled
    And the request is completed
    And its tables show:
      | table           | progress  | records | checksum                         |
      | SHIPMENT        | succeeded | 92      | c9179dae8947cb56abaed4f6c2ea09b3 |
      | SHIPMENT_REFNUM | cancelled |         |                                  |
