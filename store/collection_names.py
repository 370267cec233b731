"""The names of the application's collections, in one place.

A leaf module: the indexes (store/indexes.py), the repositories and the migrations all
name collections, and none of them needs another to know a name.
"""

INVOICES = "invoices"
PERSISTED_DOCUMENTS = "persisted_documents"
INVOICE_EVENTS = "invoice_events"
API_KEYS = "api_keys"
MIGRATIONS = "migrations"
"""One record per data migration done (by `_id`): start-up skips what is recorded."""
UNNUMBERED_EVENTS = "invoice_events_unnumbered"
"""Events recorded before the feed had numbers, set aside while they get one (once)."""
EVENT_SEQUENCES = "event_sequences"
"""Per account: the next event number, the settled mark, and the relay's lease (by _id)."""
WEBHOOK_SUBSCRIPTIONS = "webhook_subscriptions"
WEBHOOK_DELIVERIES = "webhook_deliveries"
