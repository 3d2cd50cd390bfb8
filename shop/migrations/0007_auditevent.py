"""Audit events, append-only in the database itself.

A trigger refuses every UPDATE of a row, except the one Django makes when the actor's account
is deleted (on_delete=SET_NULL: only ``actor_id`` becomes NULL, nothing else changes), and
every DELETE, except of rows older than the cut-off that the prune service names in its own
transaction (``SET LOCAL shop.audit_prune_before``; shop.audit.audit_events_prune sets it from
AUDIT_RETENTION_DAYS). An ORM delete, a bulk delete in the admin or a stray UPDATE fails with
an IntegrityError, and no cut-off lets a row younger than it go.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models



APPEND_ONLY_SQL = """
CREATE FUNCTION shop_auditevent_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    prune_before timestamptz;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW.actor_id IS NULL
           AND (NEW.id, NEW.created_at, NEW.action, NEW.actor_email, NEW.ip, NEW.target, NEW.detail)
               IS NOT DISTINCT FROM
               (OLD.id, OLD.created_at, OLD.action, OLD.actor_email, OLD.ip, OLD.target, OLD.detail)
        THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'audit events are append-only: they cannot be changed'
            USING ERRCODE = 'restrict_violation';
    END IF;
    prune_before := nullif(current_setting('shop.audit_prune_before', true), '')::timestamptz;
    IF prune_before IS NOT NULL AND OLD.created_at < prune_before THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit events are append-only: only prune_audit_events deletes them, past retention'
        USING ERRCODE = 'restrict_violation';
END;
$$;
CREATE TRIGGER shop_auditevent_append_only
    BEFORE UPDATE OR DELETE ON shop_auditevent
    FOR EACH ROW EXECUTE FUNCTION shop_auditevent_append_only();
"""

APPEND_ONLY_REVERSE_SQL = """
DROP TRIGGER IF EXISTS shop_auditevent_append_only ON shop_auditevent;
DROP FUNCTION IF EXISTS shop_auditevent_append_only();
"""


class Migration(migrations.Migration):

    dependencies = [
        ('shop', '0006_user_email_canonical'),
    ]

    operations = [
        migrations.CreateModel(
            name='AuditEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name='when')),
                ('action', models.CharField(choices=[('sign_in', 'Staff sign-in'), ('sign_in_failed', 'Sign-in failed'), ('locked_out', 'Sign-in locked out'), ('two_factor_enrolled', 'Two-factor set up'), ('two_factor_removed', 'Two-factor removed'), ('two_factor_link_issued', 'Two-factor set-up link issued'), ('staff_permissions_changed', 'Staff permissions changed'), ('staff_groups_changed', 'Staff groups changed'), ('staff_status_changed', 'Staff status changed'), ('export_downloaded', 'Export downloaded (CSV)'), ('privacy_downloaded', 'Privacy data downloaded'), ('order_marked_paid', 'Order marked paid'), ('order_refunded', 'Order refunded'), ('payment_refunded', 'Payment refund started')], max_length=40, verbose_name='action')),
                ('actor_email', models.CharField(blank=True, max_length=254, verbose_name='who (email)')),
                ('ip', models.CharField(blank=True, max_length=64, verbose_name='IP address')),
                ('target', models.CharField(blank=True, max_length=200, verbose_name='target')),
                ('detail', models.JSONField(blank=True, default=dict, verbose_name='detail')),
                ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='who')),
            ],
            options={
                'verbose_name': 'audit event',
                'verbose_name_plural': 'audit events',
                'ordering': ['-created_at', '-id'],
            },
        ),
        migrations.RunSQL(APPEND_ONLY_SQL, APPEND_ONLY_REVERSE_SQL),
    ]
