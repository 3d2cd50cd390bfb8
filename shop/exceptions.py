class ShopError(Exception):
    """Base of every domain error the shop raises on purpose; each app's exceptions subclass it."""
