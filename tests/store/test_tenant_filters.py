"""Defence in depth: every filter the ingest sends names the tenant, even with `_id` in it."""

from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from seeds.ingest import ingest_records
from store.client import Collection, Database
from store.invoices import InvoiceStore, Scope
from tests.seeds.test_ingest import akinon, sources

ACCOUNT = "acme"


def recording(monkeypatch: pytest.MonkeyPatch) -> tuple[list[Any], list[Mapping[str, Any]]]:
    """The bulk write operations and the find filters sent from now on."""
    operations: list[Any] = []
    filters: list[Mapping[str, Any]] = []
    real_bulk_write, real_find = Collection.bulk_write, Collection.find

    async def bulk_write(self: Collection, sent: Sequence[Any]) -> Any:
        operations.extend(sent)
        return await real_bulk_write(self, sent)

    async def find(self: Collection, filter: Mapping[str, Any], *args: Any, **kw: Any) -> Any:
        filters.append(filter)
        return await real_find(self, filter, *args, **kw)

    monkeypatch.setattr(Collection, "bulk_write", bulk_write)
    monkeypatch.setattr(Collection, "find", find)
    return operations, filters


@pytest.mark.parametrize("channel", [None, "2"])
async def test_ingest_update_filters_name_account_and_channel(
    database: Database, monkeypatch: pytest.MonkeyPatch, channel: str | None
) -> None:
    invoices = InvoiceStore(database).scoped(Scope(ACCOUNT, channel))
    await ingest_records(sources(akinon(1)), invoices)
    operations, filters = recording(monkeypatch)

    report = await ingest_records(
        sources(akinon(1, modified_date="2030-01-01T00:00:00Z", status="approved")), invoices
    )

    assert report.updated == 1
    [update] = operations
    owner = {"account": ACCOUNT} | ({"channelId": channel} if channel else {})
    assert update._filter == {"_id": update._filter["_id"], **owner, "version": 1}
    assert filters
    assert all(filter.get("account") == ACCOUNT for filter in filters)
