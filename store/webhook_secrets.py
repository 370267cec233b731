"""Webhook signing secrets: made here, shown once, stored only encrypted (docs/webhooks.md).

A secret is `whsec_` and the base64 of 32 random bytes (the Standard Webhooks form). The
store keeps it as a Fernet token under the operator's key (INVOICEGRAPH_WEBHOOK_SECRET_KEYS):
a copy of the database alone signs nothing. Several keys rotate: the first encrypts, every
one decrypts (MultiFernet).
"""

import base64
import secrets

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32


class SecretKeyError(ValueError):
    """The configured key text is not a list of Fernet keys."""


class UnreadableSecret(Exception):
    """A stored secret that none of the configured keys decrypts (a key was dropped)."""


def new_secret() -> str:
    """A fresh signing secret, as the partner receives it."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def secret_bytes(secret: str) -> bytes:
    """The HMAC key of a `whsec_` secret: its base64 part, decoded."""
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def parse_keys(text: str) -> list[str]:
    """Comma-separated Fernet keys, newest first; SecretKeyError names the bad one."""
    keys = [part.strip() for part in text.split(",") if part.strip()]
    if not keys:
        raise SecretKeyError("no key given")
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except ValueError:
            raise SecretKeyError(
                f"key {position} is not a Fernet key (32 url-safe base64-encoded bytes); make "
                'one with: python -c "from cryptography.fernet import Fernet; '
                'print(Fernet.generate_key().decode())"'
            ) from None
    return keys


class SecretBox:
    """Encrypts secrets for the store and decrypts them for the deliverer."""

    def __init__(self, keys: list[str]) -> None:
        self._fernet = MultiFernet([Fernet(key) for key in keys])

    @classmethod
    def ephemeral(cls) -> "SecretBox":
        """A key that lives as long as the process: for a store that does not outlive it."""
        return cls([Fernet.generate_key().decode()])

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode()).decode()

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken:
            raise UnreadableSecret(
                "no configured webhook secret key decrypts this subscription's secret"
            ) from None
