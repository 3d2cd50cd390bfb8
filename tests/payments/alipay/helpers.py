"""Helpers for the Alipay tests: notifications posted to the shop, and the sync job run at once."""

from datetime import timedelta

from django.core.management import call_command

NOTIFY_PATH = "/payments/notify/alipay/"


def post_notification(client, notification):
    """POST an Alipay notification to the shop as Alipay does (form-encoded, at its notify path)."""
    return client.post(notification.path, data=notification.body, content_type=notification.content_type)


def sync_payments(settings) -> None:
    """``manage.py sync_payments`` for everything pending (as if the few minutes had passed)."""
    settings.PAYMENT_SYNC_AFTER = timedelta(0)
    call_command("sync_payments")
