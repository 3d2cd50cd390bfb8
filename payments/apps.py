from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        # Orders sits below payments and never imports it: payments plugs its gateways into
        # orders' payment methods and listens for cancelled orders here.
        from django.core.signals import setting_changed

        from orders.payment_methods import online_payment_check_register, payment_gateways_register
        from orders.signals import order_cancelled
        from payments import receivers
        from payments.providers import gateway_list
        from payments.selectors import order_paid_through_gateway

        payment_gateways_register(gateway_list)
        online_payment_check_register(order_paid_through_gateway)
        order_cancelled.connect(receivers.order_cancelled_refund, dispatch_uid="payments.refund")
        setting_changed.connect(receivers.gateways_setting_changed, dispatch_uid="payments.gateways")
