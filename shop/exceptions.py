class ShopError(Exception):
    """Base of every domain error the shop raises on purpose (STYLE.md L7)."""
