"""The `database` fixture: the store contract runs on both backends.

Embedded always, and a MongoDB-speaking server (the `mongodb` mark): MONGODB_URI when set,
else mongoeco's wire server (tests/wire_server.py). Each test gets a database of its own that
is dropped afterwards. Registered by tests/conftest.py.
"""

import uuid
from collections.abc import AsyncIterator

import pytest

from store.client import Database, open_database
from store.indexes import ensure_indexes


@pytest.fixture(params=["embedded", pytest.param("mongodb", marks=pytest.mark.mongodb)])
async def database(request: pytest.FixtureRequest) -> AsyncIterator[Database]:
    """An empty store with every index, on each backend in turn."""
    if request.param == "mongodb":
        uri = request.getfixturevalue("mongodb_uri")
        db = open_database(uri, f"invoicegraph_test_{uuid.uuid4().hex[:8]}")
    else:
        db = open_database(None, "invoicegraph_test")
    await ensure_indexes(db)
    yield db
    await db.drop()
    await db.close()
