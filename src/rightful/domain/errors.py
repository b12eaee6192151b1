"""One hierarchy for every error rightful raises; entry points map them to HTTP and exit codes."""

from __future__ import annotations


class RightfulError(Exception):
    """Base of every error that rightful raises on purpose."""

    http_status = 400


class InvalidInputError(RightfulError):
    """The input cannot be accepted as given; the message says what to fix."""

    http_status = 422


class NotFoundError(RightfulError):
    """The thing asked for does not exist (or the caller may not know that it does)."""

    http_status = 404


class ConflictError(RightfulError):
    """The operation is not allowed in the current state."""

    http_status = 409


class IllegalTransitionError(ConflictError):
    """A request was asked to move to a state its lifecycle does not allow from where it is."""


class PermissionDeniedError(RightfulError):
    """The caller's role does not allow the operation."""

    http_status = 403


class AuthenticationError(RightfulError):
    """The caller could not be authenticated."""

    http_status = 401


class ConfigurationError(RightfulError):
    """Settings or a data map are inconsistent; the message names the offending key. The
    service cannot answer until an operator fixes it: callers over HTTP only learn that."""

    http_status = 503


class SourceUnavailableError(RightfulError):
    """A source of personal data (database, blob store) could not be read; retry later."""

    http_status = 503


class SourceValueError(ConfigurationError):
    """A source answered with a value its driver cannot turn into Python (a timestamp of
    'infinity'): the data, not the connection, needs fixing. Names no value."""

    def __init__(self, source: str) -> None:
        super().__init__(
            f"source {source}: a value came back that Python cannot represent (such as a "
            "timestamp of 'infinity', or a date beyond the year 9999); store an open end as NULL"
        )


class SourceSchemaError(ConfigurationError):
    """A source lacks a table or column that the data map declares. `detail` is the database's
    own message about it, which names schema objects only, never values."""

    def __init__(self, source: str, detail: str) -> None:
        self.source, self.detail = source, detail
        super().__init__(
            f"source {source}: {detail}; the data map and the database disagree "
            "(run `rightful datamap check --live`)"
        )


class SourceNotPopulatedError(ConfigurationError):
    """A collection reads a materialized view created WITH NO DATA and never refreshed: no
    query can read it until an operator refreshes it. `view` is its name as the database holds
    it (after its schema where the search path does not find it); `refresh` the statement that
    populates it. Names no value."""

    def __init__(self, source: str, view: str, refresh: str) -> None:
        self.source, self.view, self.refresh = source, view, refresh
        super().__init__(
            f"source {source}: {view} is a materialized view that has not been populated: run "
            f"`{refresh}`; until then no request can be answered from a collection that reads it"
        )


class TooManySubmissionsError(RightfulError):
    """Too many requests were submitted from one network address in the last hour."""

    http_status = 429

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        self.minutes = max(1, -(-retry_after // 60))  # rounded up
        super().__init__(
            f"too many requests were sent from your network; try again in {self.minutes} "
            "minutes, or write to us"
        )
