"""After-sales in the admin: the request queue and page, the steps, the report, the order page's inline."""

from aftersales.admin import request  # noqa: F401  (registers the admin and the order inline)
