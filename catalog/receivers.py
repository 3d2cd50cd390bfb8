"""Cache invalidation, scheduled sale changes, and back-in-stock notices when stock returns.

Every saved or deleted catalogue row bumps the revision. Write paths that
bypass signals (``QuerySet.update``, ``bulk_create``) call
``catalog_mark_changed`` themselves, and ``catalog_schedule_set`` when they
write sale prices or times; stock taken and returned by orders goes through
``catalog.stock``, which also sends the back-in-stock notices.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from catalog.back_in_stock import back_in_stock_requests_notify
from catalog.models import Category, Product, ProductImage, RecommendationOverride, Variant
from catalog.services import catalog_mark_changed, catalog_schedule_set


@receiver(post_save, sender=Category)
@receiver(post_save, sender=Product)
@receiver(post_save, sender=Variant)
@receiver(post_save, sender=ProductImage)
@receiver(post_save, sender=RecommendationOverride)
@receiver(post_delete, sender=Category)
@receiver(post_delete, sender=Product)
@receiver(post_delete, sender=Variant)
@receiver(post_delete, sender=ProductImage)
@receiver(post_delete, sender=RecommendationOverride)
def catalog_row_changed(**kwargs) -> None:
    if kwargs.get("raw"):
        return
    catalog_mark_changed()


def _touches(update_fields, *names: str) -> bool:
    return update_fields is None or any(name in update_fields for name in names)


def variant_schedule_source(variant_id: int) -> str:
    """The label under which a variant's sale start and end are scheduled."""
    return f"catalog.variant:{variant_id}"


@receiver(post_save, sender=Variant)
def variant_sale_scheduled(*, instance: Variant, update_fields=None, **kwargs) -> None:
    # The sale's start and end change cached pages by themselves: keep them in the schedule,
    # in the transaction of the save (fixture loads too: the schedule is derived from the rows).
    if _touches(update_fields, "sale_price", "sale_starts_at", "sale_ends_at"):
        catalog_schedule_set(source=variant_schedule_source(instance.pk), moments=instance.sale_moments)


@receiver(post_delete, sender=Variant)
def variant_sale_unscheduled(*, instance: Variant, **kwargs) -> None:
    catalog_schedule_set(source=variant_schedule_source(instance.pk), moments=[])


@receiver(post_save, sender=Variant)
def variant_back_in_stock(
    *, instance: Variant, created: bool, raw: bool = False, update_fields=None, **kwargs
) -> None:
    # Requests wait only on variants that were sold out when asked, so a saved
    # variant with stock and waiting requests has just gone from 0 to more.
    # A new variant has no requests yet.
    if raw or created or instance.stock <= 0 or not instance.is_active:
        return
    if _touches(update_fields, "stock", "is_active"):
        back_in_stock_requests_notify(variant_ids=[instance.pk])


@receiver(post_save, sender=Product)
def product_back_on_sale(
    *, instance: Product, created: bool, raw: bool = False, update_fields=None, **kwargs
) -> None:
    # Re-activating a product puts its variants' stock on sale again.
    if raw or created or not instance.is_active:
        return
    if _touches(update_fields, "is_active"):
        back_in_stock_requests_notify(product_ids=[instance.pk])
