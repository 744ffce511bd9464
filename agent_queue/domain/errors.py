"""Domain errors: raised for requests the current state does not allow.

The service converts them, in one place, into HTTP 404/409/422 answers.
"""

from __future__ import annotations


class AcdError(Exception):
    status = 409


class InvalidTransition(AcdError):
    def __init__(self, what: str, state: str, event: str) -> None:
        super().__init__(f"{what}: cannot {event} in state {state}")
        self.state, self.event = state, event


class NotFound(AcdError):
    status = 404


class BadRequest(AcdError):
    status = 422
