"""Settings: one pydantic settings object, read from the environment and the command line."""

from pathlib import Path

from pydantic import AliasChoices, BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEMO_KEY = "demo-key"


class ApiKeyConfig(BaseModel):
    """A key given in INVOICEGRAPH_API_KEYS."""

    key: str = Field(min_length=8)
    account: str = Field(min_length=1)
    scopes: list[str] = Field(default_factory=lambda: ["read"])
    name: str | None = None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="INVOICEGRAPH_", extra="ignore", populate_by_name=True
    )

    host: str = "127.0.0.1"
    port: int = 8000
    mongodb_uri: str | None = Field(
        default=None, validation_alias=AliasChoices("MONGODB_URI", "INVOICEGRAPH_MONGODB_URI")
    )
    database: str = "invoicegraph"
    database_timeout_ms: int = 5000
    demo_data: bool = True
    account: str = "demo"
    ingest: list[str] = Field(default_factory=list)
    trusted_documents: str | None = None
    # Persisted queries: GET answers may be cached this long (private: they depend on the key).
    persisted_query_max_age: int = Field(default=60, ge=0)
    persisted_cache_size: int = Field(default=1000, ge=1)
    # GraphiQL's files, installed by `npm ci` (docs/persisted-queries.md, README).
    node_modules: Path = Path(__file__).resolve().parent.parent / "node_modules"
    api_keys: list[ApiKeyConfig] = Field(default_factory=list)
    max_body_bytes: int = 1_000_000

    @property
    def embedded(self) -> bool:
        return not self.mongodb_uri
