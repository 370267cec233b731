"""The currency of Akinon records that carry none: a setting per account, optionally per channel.

Akinon's invoice records have no currency field; the account (or its channel) knows it.
The record's own absence stays recoverable: seeds.akinon marks the defaulted invoice.
"""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, RootModel

CurrencyCode = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217, e.g. TRY")]


class AccountCurrencies(BaseModel):
    """One account's setting: its default, and channels that differ from it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    default: CurrencyCode | None = None
    channels: dict[str, CurrencyCode] = Field(default_factory=dict)


class DefaultCurrencies(RootModel[dict[str, AccountCurrencies]]):
    """Settings by account, e.g. {"acme": {"default": "TRY", "channels": {"12": "EUR"}}}."""

    model_config = ConfigDict(frozen=True)

    root: dict[str, AccountCurrencies] = Field(default_factory=dict)

    def currency_for(self, account: str, channel_id: str | None) -> str | None:
        """The channel's currency, else the account's; None when neither is set."""
        setting = self.root.get(account)
        if setting is None:
            return None
        if channel_id is not None and channel_id in setting.channels:
            return setting.channels[channel_id]
        return setting.default


NO_DEFAULT_CURRENCIES = DefaultCurrencies()
"""No setting: records without a currency are stored without one."""
