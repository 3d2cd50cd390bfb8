"""Cache invalidation: every saved or deleted catalogue row bumps the revision.

Write paths that bypass signals (``QuerySet.update``, ``bulk_create``) call
``catalog_mark_changed`` themselves.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from catalog.models import Category, Product, ProductImage, Variant
from catalog.services import catalog_mark_changed


@receiver(post_save, sender=Category)
@receiver(post_save, sender=Product)
@receiver(post_save, sender=Variant)
@receiver(post_save, sender=ProductImage)
@receiver(post_delete, sender=Category)
@receiver(post_delete, sender=Product)
@receiver(post_delete, sender=Variant)
@receiver(post_delete, sender=ProductImage)
def catalog_row_changed(**kwargs) -> None:
    if kwargs.get("raw"):
        return
    catalog_mark_changed()
