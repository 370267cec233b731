"""Our signatures are the Standard Webhooks reference library's, byte for byte."""

from datetime import UTC, datetime

import pytest
from cryptography.fernet import Fernet
from pydantic import ValidationError
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from graph.webhooks.signing import signed_headers
from invoicegraph.settings import Settings
from invoicegraph.webhooks import secret_box
from store.webhook_secrets import (
    SecretBox,
    SecretKeyError,
    UnreadableSecret,
    new_secret,
    parse_keys,
    secret_bytes,
)


def test_signed_headers_verify_with_the_reference_library() -> None:
    secret = new_secret()
    body = b'{"type": "invoice.create", "data": {"payload": null}}'
    now = int(datetime.now(UTC).timestamp())
    headers = signed_headers(secret_bytes(secret), "evt-1", now, body)
    webhook = Webhook(secret)
    assert webhook.verify(body, headers) == {"type": "invoice.create", "data": {"payload": None}}
    assert headers["webhook-signature"] == webhook.sign(
        "evt-1", datetime.fromtimestamp(now, UTC), body
    )
    with pytest.raises(WebhookVerificationError):
        webhook.verify(body + b" ", headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(body, headers)


def test_sealed_secrets_open_only_with_a_configured_key() -> None:
    secret = new_secret()
    box = SecretBox.ephemeral()
    sealed = box.seal(secret)
    assert secret not in sealed
    assert box.open(sealed) == secret
    with pytest.raises(UnreadableSecret, match="no configured webhook secret key"):
        SecretBox.ephemeral().open(sealed)


def test_keys_rotate_newest_first() -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    sealed_before = SecretBox([old]).seal("whsec_x")
    rotated = SecretBox(parse_keys(f"{new}, {old}"))
    assert rotated.open(sealed_before) == "whsec_x"
    assert SecretBox([new]).open(rotated.seal("whsec_y")) == "whsec_y"
    with pytest.raises(SecretKeyError, match="key 2 is not a Fernet key"):
        parse_keys(f"{new},not-a-key")


def test_settings_refuse_a_malformed_key_and_a_real_database_needs_one() -> None:
    with pytest.raises(ValidationError, match="key 1 is not a Fernet key"):
        Settings(webhook_secret_keys="not-a-key")
    assert secret_box(Settings(mongodb_uri="mongodb://127.0.0.1:1")) is None
    assert secret_box(Settings(mongodb_uri=None)) is not None  # the embedded store's own
    key = Fernet.generate_key().decode()
    configured = secret_box(Settings(mongodb_uri="mongodb://127.0.0.1:1", webhook_secret_keys=key))
    assert configured is not None
    assert SecretBox([key]).open(configured.seal("whsec_z")) == "whsec_z"
