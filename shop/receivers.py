"""Audit trail of staff rights: permissions, groups and staff status changed, whoever changes them.

Connected in ShopConfig.ready(). The admin, a shell and a command all end in these signals, so
no change of who may do what in the admin goes unrecorded; the actor is the user of the
request being served, if any (shop.audit). Writes only audit events, in the change's
transaction.
"""

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db.models.signals import m2m_changed, post_save, pre_save
from django.dispatch import receiver

from shop.audit import audit_record
from shop.models import AuditEvent, User

# Fields whose change is a staff status change; is_active only for staff accounts.
_STATUS_FIELDS = ("is_staff", "is_superuser", "is_active")
_CHANGED = {"post_add": "added", "post_remove": "removed", "post_clear": "cleared"}


def _permission_names(pks: set[int]) -> list[str]:
    return sorted(
        f"{app_label}.{codename}"
        for app_label, codename in Permission.objects.filter(pk__in=pks).values_list(
            "content_type__app_label", "codename"
        )
    )


def _group_names(pks: set[int]) -> list[str]:
    return sorted(Group.objects.filter(pk__in=pks).values_list("name", flat=True))


def _user_targets(pks: set[int]) -> list[str]:
    return sorted(User.objects.filter(pk__in=pks).values_list("email", flat=True))


def _target(instance: Any) -> str:
    if isinstance(instance, Group):
        return f"group {instance.name}"
    if isinstance(instance, Permission):
        return f"permission {instance.content_type.app_label}.{instance.codename}"
    return f"user {instance.pk}"


def _m2m_audit(
    *,
    audit_action: str,
    action: str,
    instance: Any,
    pk_set: set[int] | None,
    other: tuple[str, Callable[[set[int]], list[str]]],
) -> None:
    """One row for rights given or taken through a many-to-many, changed from either side.

    ``other`` names the rows on the other side and how to list them: ("groups", _group_names).
    """
    if action not in _CHANGED:
        return
    key, names = other
    audit_record(
        action=audit_action,
        target=_target(instance),
        detail={"change": _CHANGED[action], key: names(pk_set or set())},
    )


@receiver(m2m_changed, sender=User.groups.through, dispatch_uid="shop.receivers.user_groups_audit")
def user_groups_audit(sender: type, instance: Any, action: str, reverse: bool, **kwargs: Any) -> None:
    """Record groups given to or taken from a user (from the user's side or the group's)."""
    _m2m_audit(
        audit_action=AuditEvent.Action.STAFF_GROUPS_CHANGED,
        action=action,
        instance=instance,
        pk_set=kwargs.get("pk_set"),
        other=("users", _user_targets) if reverse else ("groups", _group_names),
    )


@receiver(
    m2m_changed, sender=User.user_permissions.through, dispatch_uid="shop.receivers.user_permissions_audit"
)
def user_permissions_audit(sender: type, instance: Any, action: str, reverse: bool, **kwargs: Any) -> None:
    """Record permissions given to or taken from a user directly."""
    _m2m_audit(
        audit_action=AuditEvent.Action.STAFF_PERMISSIONS_CHANGED,
        action=action,
        instance=instance,
        pk_set=kwargs.get("pk_set"),
        other=("users", _user_targets) if reverse else ("permissions", _permission_names),
    )


@receiver(
    m2m_changed, sender=Group.permissions.through, dispatch_uid="shop.receivers.group_permissions_audit"
)
def group_permissions_audit(sender: type, instance: Any, action: str, reverse: bool, **kwargs: Any) -> None:
    """Record permissions given to or taken from a group (every member's rights change)."""
    _m2m_audit(
        audit_action=AuditEvent.Action.STAFF_PERMISSIONS_CHANGED,
        action=action,
        instance=instance,
        pk_set=kwargs.get("pk_set"),
        other=("groups", _group_names) if reverse else ("permissions", _permission_names),
    )


@receiver(pre_save, sender=User, dispatch_uid="shop.receivers.user_status_remember")
def user_status_remember(sender: type, instance: User, update_fields: Any = None, **kwargs: Any) -> None:
    """Read the stored staff flags before a save that may change them (post_save compares)."""
    if update_fields is not None and not set(update_fields) & set(_STATUS_FIELDS):
        return
    stored = None
    if instance.pk is not None:
        stored = User.objects.filter(pk=instance.pk).values(*_STATUS_FIELDS).first()
    instance._audit_status_before = stored or dict.fromkeys(_STATUS_FIELDS, None)


@receiver(post_save, sender=User, dispatch_uid="shop.receivers.user_status_audit")
def user_status_audit(sender: type, instance: User, created: bool, raw: bool = False, **kwargs: Any) -> None:
    """Record a user made or unmade staff or superuser, and a staff account (de)activated."""
    before = instance.__dict__.pop("_audit_status_before", None)
    if before is None or raw:
        return
    changes = {
        field: [before[field], getattr(instance, field)]
        for field in _STATUS_FIELDS
        if before[field] != getattr(instance, field)
    }
    if created:
        changes = {field: change for field, change in changes.items() if change[1] and field != "is_active"}
    elif "is_active" in changes and not (instance.is_staff or before["is_staff"]):
        del changes["is_active"]
    if changes:
        audit_record(
            action=AuditEvent.Action.STAFF_STATUS_CHANGED,
            target=f"user {instance.pk}",
            detail={"created": created, **changes},
        )
