"""Payments in the Chinese admin: a payment's reference is a payment number, not a support ticket's."""

from django.utils import translation

from payments.models import Payment, Refund


def test_a_payments_and_a_refunds_reference_read_as_payment_numbers_in_chinese():
    with translation.override("zh-hans"):
        labels = {str(model._meta.get_field("reference").verbose_name) for model in (Payment, Refund)}

    assert labels == {"支付单号"}
