"""Settings of carts, orders, shipping and payment instructions (imported by shop.settings).

cart/, orders/ and promotions read them.
"""

from datetime import timedelta

from shop.settings import DEBUG, DEFAULT_FROM_EMAIL, SHOP_NAME, SUPPORT_EMAIL, env

# Unpaid orders (not cash on delivery) are cancelled by `manage.py cancel_unpaid_orders` after this.
ORDER_PAYMENT_TIMEOUT = timedelta(minutes=env.int("ORDER_PAYMENT_TIMEOUT_MINUTES", default=24 * 60))
# Orders placed per hour from one client IP / for one email address (its canonical form);
# 0 turns a limit off. They keep one client from buying up the stock and from mailing
# order confirmations to any address.
ORDER_LIMIT_PER_IP_PER_HOUR = env.int("ORDER_LIMIT_PER_IP_PER_HOUR", default=10)
ORDER_LIMIT_PER_EMAIL_PER_HOUR = env.int("ORDER_LIMIT_PER_EMAIL_PER_HOUR", default=5)
# Units of one product (its variants together) an order may hold, unless the product sets its
# own maximum in the admin; 0 = no cap.
ORDER_MAX_PER_PRODUCT = env.int("ORDER_MAX_PER_PRODUCT", default=10)
# What a variant without a weight of its own counts as for shipping rates by weight, in grams.
SHIPPING_DEFAULT_WEIGHT_GRAMS = env.int("SHIPPING_DEFAULT_WEIGHT_GRAMS", default=500)
# Coupon codes one client IP may try and get refused within the window (codes that apply are
# not counted); past it the cart answers 429 without looking the code up. 0 = no limit.
COUPON_TRY_LIMIT_PER_IP = env.int("COUPON_TRY_LIMIT_PER_IP", default=10)
COUPON_TRY_WINDOW = timedelta(minutes=env.int("COUPON_TRY_WINDOW_MINUTES", default=10))
# Cash-on-delivery orders staff have not confirmed (one click in the order admin) within this
# many hours are cancelled by `manage.py cancel_unpaid_orders`; 0 = never.
COD_CONFIRM_HOURS = env.int("COD_CONFIRM_HOURS", default=24)
# Shipped orders whose shopper has not confirmed receipt are completed by
# `manage.py complete_shipped_orders` this many days after their last parcel (at least 1).
ORDER_AUTO_COMPLETE_DAYS = max(1, env.int("ORDER_AUTO_COMPLETE_DAYS", default=10))
# The largest issued fapiao PDF staff may upload (its type is checked by its first bytes too).
FAPIAO_PDF_MAX_BYTES = env.int("FAPIAO_PDF_MAX_BYTES", default=5 * 1024 * 1024)
# Staff address for new-order notices.
ORDERS_NOTIFY_EMAIL = env.str("ORDERS_NOTIFY_EMAIL", default=SUPPORT_EMAIL or DEFAULT_FROM_EMAIL)
# Bank details shown to shoppers who pay by bank transfer; bank transfer is
# offered only when an account number is set (development shows demo details).
SHOP_BANK_ACCOUNT_NAME = env.str("SHOP_BANK_ACCOUNT_NAME", default=SHOP_NAME)
SHOP_BANK_NAME = env.str("SHOP_BANK_NAME", default="Demo Bank" if DEBUG else "")
SHOP_BANK_ACCOUNT_NUMBER = env.str("SHOP_BANK_ACCOUNT_NUMBER", default="0000 0000 0000 0000" if DEBUG else "")
SHOP_BANK_SWIFT = env.str("SHOP_BANK_SWIFT", default="")
# Countries (ISO codes) where cash on delivery is offered.
SHOP_COD_COUNTRIES = env.list("SHOP_COD_COUNTRIES", default=["CN"])
