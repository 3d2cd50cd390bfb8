"""Tickets are matched to an account by the canonical form of their email (shop.identity)."""

from django.db import migrations, models

from shop.identity import email_canonical


def _backfill(apps, schema_editor) -> None:
    ticket_model = apps.get_model("support", "Ticket")
    for ticket in ticket_model.objects.exclude(customer_email="").only("pk", "customer_email").iterator():
        ticket_model.objects.filter(pk=ticket.pk).update(
            customer_email_canonical=email_canonical(ticket.customer_email)
        )


class Migration(migrations.Migration):
    dependencies = [("support", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="ticket",
            name="customer_email_canonical",
            field=models.CharField(
                blank=True, editable=False, max_length=254, verbose_name="canonical customer email"
            ),
        ),
        migrations.RunPython(_backfill, migrations.RunPython.noop, elidable=True),
        migrations.RemoveIndex(model_name="ticket", name="support_ticket_email_created"),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                fields=["customer_email_canonical", "created_at"], name="support_ticket_email_created"
            ),
        ),
    ]
