"""Signed webhooks for partners: subscriptions, payload documents, safe targets, delivery."""
