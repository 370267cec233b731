"""The Mutation root type: the lifecycle of an invoice, each change audited and versioned."""

import strawberry

from graph.mutations.akinon_invoices_ingest import (
    AkinonInvoicesIngestPayload,
    resolve_akinon_invoices_ingest,
)
from graph.mutations.invoice_acknowledge import (
    InvoiceAcknowledgePayload,
    resolve_invoice_acknowledge,
)
from graph.mutations.invoice_attributes_update import (
    InvoiceAttributesUpdatePayload,
    resolve_invoice_attributes_update,
)
from graph.mutations.invoice_create import InvoiceCreatePayload, resolve_invoice_create
from graph.mutations.invoice_post import InvoicePostPayload, resolve_invoice_post
from graph.mutations.invoice_status_update import (
    InvoiceStatusUpdatePayload,
    resolve_invoice_status_update,
)
from graph.mutations.permissions import (
    ADMIN_PERMISSIONS,
    INGEST_PERMISSIONS,
    WRITE_PERMISSIONS,
)
from graph.mutations.webhook_subscription_create import (
    WebhookSubscriptionCreatePayload,
    resolve_webhook_subscription_create,
)
from graph.mutations.webhook_subscription_delete import (
    WebhookSubscriptionDeletePayload,
    resolve_webhook_subscription_delete,
)
from graph.mutations.webhook_subscription_enable import (
    WebhookSubscriptionEnablePayload,
    resolve_webhook_subscription_enable,
)


@strawberry.type(
    description=(
        "Changing invoices. Each change is one atomic update of one invoice of the caller's "
        "account: it raises Invoice.version by one, appends an auditLogs entry and an "
        "invoiceEvents event. Expected failures come back in the payload's errors."
    )
)
class Mutation:
    invoiceCreate: InvoiceCreatePayload = strawberry.mutation(
        resolver=resolve_invoice_create,
        permission_classes=WRITE_PERMISSIONS,
        description=(
            "Create an invoice from a full fabric invoice; it starts at version 1 with "
            "statusCode CREATED. Nothing is stored when any check fails."
        ),
    )
    invoiceStatusUpdate: InvoiceStatusUpdatePayload = strawberry.mutation(
        resolver=resolve_invoice_status_update,
        permission_classes=WRITE_PERMISSIONS,
        description="Move invoiceStatus to another status the lifecycle allows.",
    )
    invoicePost: InvoicePostPayload = strawberry.mutation(
        resolver=resolve_invoice_post,
        permission_classes=WRITE_PERMISSIONS,
        description="Post a CREATED invoice to the merchant: statusCode POSTED, postedAt now.",
    )
    invoiceAcknowledge: InvoiceAcknowledgePayload = strawberry.mutation(
        resolver=resolve_invoice_acknowledge,
        permission_classes=WRITE_PERMISSIONS,
        description=(
            "Record that the merchant confirmed a POSTED invoice: statusCode ACKNOWLEDGED, "
            "acknowledgedAt as given (now when omitted)."
        ),
    )
    invoiceAttributesUpdate: InvoiceAttributesUpdatePayload = strawberry.mutation(
        resolver=resolve_invoice_attributes_update,
        permission_classes=WRITE_PERMISSIONS,
        description="Set some top-level attribute keys of an invoice and remove others.",
    )
    akinonInvoicesIngest: AkinonInvoicesIngestPayload = strawberry.mutation(
        resolver=resolve_akinon_invoices_ingest,
        permission_classes=INGEST_PERMISSIONS,
        description=(
            "Push Akinon OMS invoice records. Each is mapped losslessly and stored, updated "
            "(a newer source modification time), left unchanged or ignored as stale by its "
            "Akinon id; an invalid record is rejected with its reason while the others land."
        ),
    )
    webhookSubscriptionCreate: WebhookSubscriptionCreatePayload = strawberry.mutation(
        resolver=resolve_webhook_subscription_create,
        permission_classes=ADMIN_PERMISSIONS,
        description=(
            "Subscribe a URL to the account's invoice events: each is POSTed as JSON, signed "
            "per Standard Webhooks with the secret this answer shows once (docs/webhooks.md)."
        ),
    )
    webhookSubscriptionDelete: WebhookSubscriptionDeletePayload = strawberry.mutation(
        resolver=resolve_webhook_subscription_delete,
        permission_classes=ADMIN_PERMISSIONS,
        description="Delete a webhook subscription; its pending deliveries are dropped.",
    )
    webhookSubscriptionEnable: WebhookSubscriptionEnablePayload = strawberry.mutation(
        resolver=resolve_webhook_subscription_enable,
        permission_classes=ADMIN_PERMISSIONS,
        description=(
            "Enable a subscription disabled after failing past the retry horizon: its paused "
            "deliveries are due again, and the events since it was disabled follow."
        ),
    )
