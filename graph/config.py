"""Store settings, read from the environment (and ``.env``) by pydantic-settings.

>>> StoreSettings(RINGSCOPE_STORE="sqlite:///tmp/x.db").store
'sqlite:///tmp/x.db'
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["DEFAULT_STORE", "StoreSettings"]

DEFAULT_STORE = "sqlite:///./data/ringscope.db"


class StoreSettings(BaseSettings):
    """Where the graph lives and how to reach it."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    store: str = Field(DEFAULT_STORE, validation_alias="RINGSCOPE_STORE")
    neo4j_uri: str | None = Field(None, validation_alias="NEO4J_URI")
    neo4j_user: str = Field("neo4j", validation_alias="NEO4J_USER")
    neo4j_password: str = Field("", validation_alias="NEO4J_PASSWORD")
    neo4j_database: str = Field("neo4j", validation_alias="NEO4J_DATABASE")
    batch_rows: int = Field(2_000, ge=1, validation_alias="RINGSCOPE_BATCH_ROWS")
    batch_bytes: int = Field(4_000_000, ge=256, validation_alias="RINGSCOPE_BATCH_BYTES")
    """Graph-server loads: rows per batch, and the bound on a batch's serialized parameters."""
    page_rows: int = Field(10_000, ge=1, validation_alias="RINGSCOPE_PAGE_ROWS")
    """Graph-server reads of whole tables: rows fetched per query."""
