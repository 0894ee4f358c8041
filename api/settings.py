"""API settings, read from the environment (and ``.env``) by pydantic-settings.

>>> s = Settings(RINGSCOPE_API_KEYS="k1:admin, k2:risk_system")
>>> s.max_body_bytes
65536
>>> s.dev
False
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from graph.config import DEFAULT_STORE

__all__ = ["Settings"]


class Settings(BaseSettings):
    """Everything the HTTP API is configured with.

    Attributes:
        store: store URL (``sqlite:///PATH`` …), as for every other command.
        api_keys: comma-separated ``key:role[:name][@CODE]`` entries; roles ``risk_system``,
            ``investigator`` and ``admin``; ``name`` is the person holding the key; ``@CODE``
            scopes a key to one member insurer of an association (see :mod:`api.security`).
            Without keys the app only starts in dev mode.
        investigator_pii: investigators see phones, accounts and ID numbers unmasked.
        dev: development mode: without keys every caller is an admin (logged loudly).
        max_body_bytes: larger request bodies are refused with 413.
        retry_after_seconds: ``Retry-After`` sent with 503 when the store cannot be reached.
        max_graph_nodes: cap on nodes returned by graph and neighbourhood endpoints.
        key_failures: unknown API keys one client may present per minute; more are answered 429
            (with ``Retry-After``) without looking at the key, per server process.
        cookie_secure: mark the explorer's cookies ``Secure``: ``True`` behind a proxy that ends
            TLS and talks plain HTTP to the app; ``None`` (default): when the request the app
            sees is https (uvicorn takes ``X-Forwarded-Proto`` from the proxies it trusts,
            ``FORWARDED_ALLOW_IPS``).
        key_file: the association's key file, in a store of pseudonymized books: real-time
            scoring hashes a raw request with it before looking anything up.
    """

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    store: str = Field(DEFAULT_STORE, validation_alias="RINGSCOPE_STORE")
    api_keys: str = Field("", validation_alias="RINGSCOPE_API_KEYS", repr=False)
    investigator_pii: bool = Field(False, validation_alias="RINGSCOPE_INVESTIGATOR_PII")
    dev: bool = Field(False, validation_alias="RINGSCOPE_DEV")
    max_body_bytes: int = Field(64 * 1024, ge=256, validation_alias="RINGSCOPE_MAX_BODY_BYTES")
    retry_after_seconds: int = Field(5, ge=1, validation_alias="RINGSCOPE_RETRY_AFTER")
    max_graph_nodes: int = Field(1_000, ge=10, validation_alias="RINGSCOPE_MAX_GRAPH_NODES")
    key_failures: int = Field(10, ge=1, validation_alias="RINGSCOPE_KEY_FAILURES")
    cookie_secure: bool | None = Field(None, validation_alias="RINGSCOPE_COOKIE_SECURE")
    key_file: str | None = Field(None, validation_alias="RINGSCOPE_KEY_FILE")
