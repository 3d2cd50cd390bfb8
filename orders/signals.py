"""Signals orders sends, so the apps above it can react without orders importing them.

Each is sent inside the transaction that makes the change, with the order row
locked: whatever a receiver writes or enqueues commits or rolls back with the
change itself. A receiver that raises undoes the change.
"""

from django.dispatch import Signal

# An order was cancelled (by staff, or for want of payment): sent once, after the
# order is marked cancelled and its stock returned. Arguments: ``sender`` (the
# Order class) and ``order`` (the cancelled Order, its row locked). Payments
# connects here to queue the refund of money a gateway took for the order.
order_cancelled = Signal()
