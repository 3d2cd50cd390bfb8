"""Settings of after-sales: the windows, the photos and the return address (imported by shop.settings)."""

from shop.settings import SHOP_ADDRESS, env

# Days after receipt (whole days in TIME_ZONE, from the day after) for the no-reason return the
# Consumer Rights Protection Law (article 25) requires: at least seven.
AFTER_SALES_NO_REASON_DAYS = max(7, env.int("AFTER_SALES_NO_REASON_DAYS", default=7))
# Days after receipt for goods that arrived faulty, damaged, wrong or incomplete (at least as long).
AFTER_SALES_FAULTY_DAYS = max(AFTER_SALES_NO_REASON_DAYS, env.int("AFTER_SALES_FAULTY_DAYS", default=15))
# Photos a customer may attach to a request (each checked like a support attachment).
AFTER_SALES_PHOTO_MAX_COUNT = env.int("AFTER_SALES_PHOTO_MAX_COUNT", default=5)
AFTER_SALES_PHOTO_MAX_BYTES = env.int("AFTER_SALES_PHOTO_MAX_BYTES", default=10 * 1024 * 1024)
AFTER_SALES_PHOTO_EXTENSIONS = ["jpg", "jpeg", "png", "gif", "webp"]
# Requests one order may have in all (withdrawn and rejected ones count): past it the customer is
# asked to write instead, so one order's link cannot store photos and send mail without end.
AFTER_SALES_MAX_REQUESTS_PER_ORDER = env.int("AFTER_SALES_MAX_REQUESTS_PER_ORDER", default=20)
# What the approval form offers staff as the return address and instructions ("\n" separates lines).
AFTER_SALES_RETURN_ADDRESS = env.str("AFTER_SALES_RETURN_ADDRESS", default=SHOP_ADDRESS, multiline=True)
AFTER_SALES_RETURN_INSTRUCTIONS = env.str("AFTER_SALES_RETURN_INSTRUCTIONS", default="", multiline=True)
