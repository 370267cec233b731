"""Settings: one pydantic settings object, read from the environment and the command line."""

from pathlib import Path

from pydantic import AliasChoices, BaseModel, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from graph.compiled.answer_memo import DEFAULT_MEMORY_MB
from graph.http.live import LiveLimits
from graph.limits.checks import QueryLimits
from graph.webhooks.deliverer import DeliveryOptions
from seeds.akinon_currency import DefaultCurrencies
from store.domain.changes import ACKNOWLEDGE_CLOCK_SKEW_SECONDS
from store.event_relay import LEASE_SECONDS
from store.keys import checked_scopes
from store.webhook_secrets import parse_keys

DEMO_KEY = "demo-key"
# The parts that take settings own their defaults; settings only override them.
DEFAULT_LIMITS = QueryLimits()
"""The query limits' defaults (graph/limits/checks.py)."""
DEFAULT_LIVE = LiveLimits()
"""The subscriptions' limits (graph/http/live.py)."""
DEFAULT_DELIVERY = DeliveryOptions()
"""The webhook deliverer's options and retry schedule (graph/webhooks/deliverer.py)."""


class ApiKeyConfig(BaseModel):
    """A key given in INVOICEGRAPH_API_KEYS."""

    key: str = Field(min_length=8)
    account: str = Field(min_length=1)
    scopes: list[str] = Field(default_factory=lambda: ["read"])
    name: str | None = None
    # False: this key may not introspect the schema (docs/security.md).
    introspection: bool = True

    @field_validator("scopes")
    @classmethod
    def known_scopes(cls, scopes: list[str]) -> list[str]:
        checked_scopes(scopes)  # ValueError names the unknown scope and the known ones
        return scopes


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
    # Bounds the database work of a request (all its commands together), finding a server and
    # connecting; a single command outside requests (ingest, start-up) gets twice it.
    database_timeout_ms: int = Field(default=5000, ge=1)
    # Start-up (and the one-off commands) give up on an unreachable MongoDB after this long.
    connect_timeout_seconds: float = Field(default=3.0, gt=0)
    # Processes serving one port (a real MongoDB only: the embedded store lives in one).
    workers: int = Field(default=1, ge=1)
    # A query executing longer is stopped with QUERY_TIMEOUT (docs/security.md); above the
    # database's deadline, so a store that does not answer is reported as such.
    request_timeout_ms: int = Field(default=6000, ge=1)
    # /readyz answers 503 when the database has not answered a ping within this.
    ready_timeout_seconds: float = Field(default=2.0, gt=0)
    # On SIGTERM, requests in flight get this long to finish before they are cancelled.
    shutdown_timeout_seconds: float = Field(default=20.0, ge=0)
    # None: demo data for the embedded store only; a real MongoDB gets it only when asked.
    demo_data: bool | None = None
    # The generated demo invoices per account (besides fabric's and Akinon's reference
    # records): fewer start faster on a slow database.
    demo_invoices_per_account: int = Field(default=600, ge=0)
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
    # Keys with the ingest scope push up to 500 Akinon records a request (about 2.4 KB each,
    # up to 12 KB with a dozen lines): their bodies may be this large. The query limits
    # still bound the document; only the variables grow (docs/ingest.md).
    max_ingest_body_bytes: int = 6_000_000
    # Stored API keys (docs/security.md): a lookup is cached this long, so a revoked key stops
    # working within it, and a key's lastUsedAt is written at most once per period.
    key_cache_seconds: float = Field(default=60.0, gt=0)
    key_cache_size: int = Field(default=10_000, ge=1)
    # The invoice event feed (docs/lifecycle.md, "Events"): how long a relay run's lease lasts.
    event_lease_seconds: float = Field(default=LEASE_SECONDS, gt=0)
    # GraphQL subscriptions over WebSocket (docs/live-changes.md).
    subscription_max_per_key: int = Field(default=DEFAULT_LIVE.max_per_key, ge=0)
    subscription_max_per_process: int = Field(default=DEFAULT_LIVE.max_per_process, ge=0)
    subscription_keepalive_seconds: float = Field(default=DEFAULT_LIVE.keepalive_seconds, gt=0)
    subscription_init_timeout_seconds: float = Field(
        default=DEFAULT_LIVE.init_timeout_seconds, gt=0
    )
    subscription_buffer_messages: int = Field(default=DEFAULT_LIVE.buffer_messages, ge=1)
    subscription_slow_consumer_seconds: float = Field(
        default=DEFAULT_LIVE.slow_consumer_seconds, gt=0
    )
    subscription_poll_seconds: float = Field(default=DEFAULT_LIVE.poll_seconds, gt=0)
    subscription_write_buffer_bytes: int = Field(default=DEFAULT_LIVE.write_buffer_bytes, ge=1024)
    subscription_socket_buffer_bytes: int | None = Field(
        default=DEFAULT_LIVE.socket_buffer_bytes, ge=1024
    )
    # Query limits, checked before the database is touched (docs/security.md).
    max_query_depth: int = Field(default=DEFAULT_LIMITS.max_depth, ge=1)
    max_query_aliases: int = Field(default=DEFAULT_LIMITS.max_aliases, ge=0)
    max_query_tokens: int = Field(default=DEFAULT_LIMITS.max_tokens, ge=1)
    max_query_length: int = Field(default=DEFAULT_LIMITS.max_length, ge=1)
    max_repeated_fields: int = Field(default=DEFAULT_LIMITS.max_repeats, ge=0)
    max_query_breadth: int = Field(default=DEFAULT_LIMITS.max_breadth, ge=1)
    max_query_cost: int = Field(default=DEFAULT_LIMITS.max_cost, ge=1)
    # The cost of a list of objects that is not a connection assumes it holds this many.
    query_cost_list_size: int = Field(default=DEFAULT_LIMITS.cost_model.list_size, ge=1)
    # The cost of a count or summary: the invoices a scan of one account is assumed to read.
    query_cost_scan: int = Field(default=DEFAULT_LIMITS.cost_model.scan_cost, ge=0)
    # A cost budget per key (leaky bucket): points regained per second; None turns it off.
    cost_restore_rate: float | None = Field(default=None, gt=0)
    # The most a key's bucket holds; None: max_query_cost.
    cost_bucket_size: int | None = Field(default=None, ge=1)
    # Schema introspection for keys with the read scope; turn it off in production.
    introspection: bool = DEFAULT_LIMITS.introspection
    # Queries run through compiled plans where they can (docs/performance.md); false: the
    # ordinary executor runs every operation.
    compiled_execution: bool = True
    # MiB of invoice answers compiled plans keep by the stored document they were built from
    # (graph/compiled/answer_memo.py); 0 keeps none.
    compiled_answer_memory_mb: int = Field(default=DEFAULT_MEMORY_MB, ge=0)
    # The currency of Akinon records that carry none, per account and optionally per channel:
    # {"acme": {"default": "TRY", "channels": {"12": "EUR"}}} (docs/akinon-mapping.md).
    akinon_currencies: DefaultCurrencies = Field(default_factory=DefaultCurrencies)
    # How far ahead of this server's clock a client's timestamp (acknowledgedAt) may be.
    clock_skew_seconds: float = Field(default=ACKNOWLEDGE_CLOCK_SKEW_SECONDS, ge=0)
    # Webhooks (docs/webhooks.md). Targets on loopback or private networks are refused unless
    # this is true (tests, private deployments).
    webhook_allow_private_targets: bool = False
    # Fernet keys (comma-separated, newest first) that encrypt the signing secrets at rest;
    # required to create subscriptions on a real MongoDB (the embedded store makes one that
    # lives as long as the process).
    webhook_secret_keys: str | None = None
    # An attempt waits this long for the target's answer.
    webhook_timeout_seconds: float = Field(default=DEFAULT_DELIVERY.timeout, gt=0)
    # Backoff: the n-th retry comes after a random wait in the upper half of
    # first * factor^(n-1), at most max; a delivery is given up `give_up` seconds after its
    # event reached the outbox (and its subscription disabled).
    webhook_retry_first_seconds: float = Field(default=DEFAULT_DELIVERY.schedule.first, gt=0)
    webhook_retry_factor: float = Field(default=DEFAULT_DELIVERY.schedule.factor, ge=1)
    webhook_retry_max_seconds: float = Field(default=DEFAULT_DELIVERY.schedule.maximum, gt=0)
    webhook_give_up_seconds: float = Field(default=DEFAULT_DELIVERY.schedule.horizon, gt=0)
    # A claimed delivery is this process's for this long (past it, another may retry it):
    # more than the timeout plus the payload query.
    webhook_lease_seconds: float = Field(default=DEFAULT_DELIVERY.lease, gt=0)
    # How often the deliverer looks at the feed and the outbox when nothing wakes it.
    webhook_poll_seconds: float = Field(default=DEFAULT_DELIVERY.poll, gt=0)
    # Delivered and given-up deliveries stay visible in webhookDeliveries this long (a TTL
    # index removes them on MongoDB; the embedded store keeps them for the process's life).
    webhook_keep_seconds: float = Field(default=7 * 86_400.0, gt=0)
    # Attempts in flight at once in one process; 0: this process delivers nothing.
    webhook_concurrency: int = Field(default=DEFAULT_DELIVERY.concurrency, ge=0)

    @field_validator("webhook_secret_keys")
    @classmethod
    def _fernet_keys(cls, value: str | None) -> str | None:
        if value is not None:
            parse_keys(value)  # SecretKeyError (a ValueError) names the bad key
        return value

    @property
    def embedded(self) -> bool:
        return not self.mongodb_uri

    @property
    def loads_demo_data(self) -> bool:
        """Whether start-up loads the demo data (into accounts that are still empty)."""
        return self.embedded if self.demo_data is None else self.demo_data
