"""Signals payments sends, so the apps above it can react without payments importing them.

Each is sent inside the transaction that makes the change: whatever a receiver writes
commits or rolls back with it. A receiver that raises undoes the change.
"""

from django.dispatch import Signal

# A refund reached its final state (succeeded or failed), once: sent from refund_settle with
# the payment row and the refund row locked and, when it succeeded, the order's refund
# already recorded (its row locked too). Arguments: ``sender`` (the Refund class) and
# ``refund`` (the Refund, its status final). After-sales connects here to finish the request
# the refund was for.
refund_settled = Signal()
