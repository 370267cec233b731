"""The request's webhook service, for the webhook fields and mutations (scope admin)."""

from graph.context import Info
from graph.webhooks.admin import WebhookAdmin, WebhooksUnavailable


def webhook_admin(info: Info) -> WebhookAdmin:
    """The process's webhook service; WebhooksUnavailable where the app runs none."""
    admin = info.context.webhooks
    if admin is None:
        raise WebhooksUnavailable("Webhooks are not available in this process.")
    return admin
