"""Load benchmarks of the shop: ``make bench`` (``python -m benchmarks.run``)."""
