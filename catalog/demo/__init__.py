"""Deterministic demo catalogue for ``manage.py seed_demo`` and the benchmark (``make bench``)."""

from catalog.demo.seed import DEFAULT_PRODUCTS, MAX_PRODUCTS, DemoSeedResult, demo_catalog_seed

__all__ = ["DEFAULT_PRODUCTS", "MAX_PRODUCTS", "DemoSeedResult", "demo_catalog_seed"]
