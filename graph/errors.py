"""The project's exception hierarchy.

Every error RingScope raises on purpose derives from :class:`RingScopeError`, so callers
(the CLI, the HTTP API) can turn it into one clear message without a traceback.
"""

from __future__ import annotations

__all__ = [
    "AccessError",
    "ConfigError",
    "ConflictError",
    "DetectionError",
    "InputError",
    "NotFoundError",
    "RingScopeError",
    "StoreError",
    "StoreUnavailableError",
]


class RingScopeError(Exception):
    """Base class of every error RingScope raises on purpose."""


class ConfigError(RingScopeError):
    """A setting, store URL or command-line option is invalid."""


class InputError(RingScopeError):
    """Input data (files, request bodies) is invalid; nothing was stored."""


class RequestFieldError(InputError, ValueError):
    """One field of a request (``field``) holds a value that cannot be read; a ``ValueError``
    too, for callers that catch those."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class StoreError(RingScopeError):
    """A graph store operation failed; the store is left as it was before the operation."""


class StoreUnavailableError(StoreError):
    """The graph store cannot be reached (server down, file locked, credentials refused)."""


class ConflictError(RingScopeError):
    """A change conflicts with the current state (a workflow move it forbids, or a change someone
    else made meanwhile); nothing was written."""


class RunInProgressError(ConflictError):
    """Another detection run is recorded as running on the store (by a process still alive);
    nothing was written."""


class AccessError(RingScopeError):
    """The caller may see the thing but not do this to it (a member deciding a case that spans
    other members); nothing was written."""


class NotFoundError(RingScopeError):
    """A requested node, ring or run does not exist."""


class DetectionError(RingScopeError):
    """A detection run cannot proceed (no data, invalid parameters)."""
