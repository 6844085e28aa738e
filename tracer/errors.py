"""Error tree of the tracing engine.

::

    TracerError                      root: the CLI turns any of these into one clear line (exit 1)
    ├── ConfigError                  bad setting, bad TRACER_DATABASE_URL, missing file
    ├── InvalidAddress               an address that is not valid for its chain (names it)
    ├── StoreError                   the case store cannot be opened / migrated / reached
    ├── LabelImportError             a malformed label file: names file, line and field
    ├── CaseNotFound                 no case with that name
    ├── ConservationViolation        a finished case's endpoints do not add up to what was stolen (names origin)
    └── ChainError                   anything from a chain adapter
        ├── ChainUnavailable         transport failure / 5xx after retries
        ├── RateLimited              429 or in-band rate limit after the backoff budget
        ├── QuotaExhausted           daily cap reached: stop cleanly, resume later
        │   └── DeadlineExceeded     the whole request (connect + headers + body) outlived its deadline
        ├── BadResponse              transport fine, payload unusable (truncated JSON, HTML page)
        │   ├── InvalidAnswer        parsed, but fails the schema: type, range, missing field (engine: unreadable)
        │   │   └── AnswerTooLarge   body past the endpoint's size cap (refused while streaming)
        │   └── UnsafeRedirect       a redirect to another host (it would carry the API key there)
        ├── ApiRejected              the API refused the request (invalid key, unsupported chain, bad address)
        ├── AddressTooLarge          history too large to expand (Esplora 400 "Too many history entries")
        └── NotSupported             the adapter lacks a capability (e.g. node without trace_filter)
"""

from __future__ import annotations


class TracerError(Exception):
    """Root of every error the engine raises on purpose."""


class ConfigError(TracerError):
    """A setting is missing or malformed."""


class InvalidAddress(TracerError):
    """An address is not valid for the chain it was given for."""

    def __init__(self, chain: str, address: str, reason: str = "") -> None:
        self.chain = chain
        self.address = address
        detail = f": {reason}" if reason else ""
        super().__init__(f"invalid {chain} address {address!r}{detail}")


class StoreError(TracerError):
    """The case store cannot be opened, migrated or reached."""


class LabelImportError(TracerError):
    """A label file is malformed; nothing from it was stored."""

    def __init__(self, path: str, line: int | None, field: str | None, reason: str) -> None:
        self.path = path
        self.line = line
        self.field = field
        where = path + (f":{line}" if line is not None else "") + (f" field {field!r}" if field else "")
        super().__init__(f"{where}: {reason}")


class CaseNotFound(TracerError):
    """No case with that name exists in the store."""


class ChainError(TracerError):
    """Base of adapter errors."""


class ChainUnavailable(ChainError):
    """Transport failure or server error persisted after retries."""


class DeadlineExceeded(ChainUnavailable):
    """The request as a whole (connect, headers and body) took longer than its deadline (a trickling server)."""


class RateLimited(ChainError):
    """Rate limit persisted after the in-adapter backoff budget."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        self.retry_after = retry_after
        super().__init__(message)


class QuotaExhausted(ChainError):
    """The API's daily quota is used up; do not retry until it resets."""


class BadResponse(ChainError):
    """The response could not be understood (truncated JSON, HTML page, wrong shape)."""


class InvalidAnswer(BadResponse):
    """A well-formed answer whose content fails validation: wrong type, out of range, missing field.

    The HTTP funnel retries it once; if still invalid, the engine marks the address ``unreadable`` with this
    message as the reason. Nothing of such an answer is ever stored as value.
    """


class AnswerTooLarge(InvalidAnswer):
    """The body exceeds the endpoint's size cap; refused while streaming, never read whole."""


class UnsafeRedirect(BadResponse):
    """The server redirected to another host; refused, since the request carries an API key."""


class ApiRejected(ChainError):
    """The API refused the request itself: invalid key, unsupported chain, invalid address."""


class AddressTooLarge(ChainError):
    """The address history is too large for the API to serve: treat it as a service."""

    def __init__(self, address: str, message: str = "") -> None:
        self.address = address
        super().__init__(message or f"history of {address} is too large to expand")


class NotSupported(ChainError):
    """The adapter or node lacks the capability asked for."""


class ConservationViolation(TracerError):
    """Proven endpoints + fees + pending do not add up to the stolen amount of an origin (issue 13 item 1), or a
    node downstream of a crossing has no link explaining it: the case's numbers cannot be reported."""
