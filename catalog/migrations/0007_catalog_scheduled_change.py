"""The moments at which cached catalogue pages change by themselves (a sale starting or ending),
and the function every storefront request calls to read the revision with them.

A function rather than a plain query: PL/pgSQL keeps the plans of its statements for the
session, and planning the three reads every time cost more than running them (on the bench
data about 100 µs against 35). It is STABLE so that all its reads share one snapshot: the
revision and the passed moments are seen as of one instant, before or after a fold, never
half of each.
"""

from django.db import migrations, models

REVISION_READ = """
CREATE FUNCTION catalog_revision_read(
    revision_id bigint,
    OUT number bigint,
    OUT passed bigint,
    OUT next_change timestamptz,
    OUT moment timestamptz
) LANGUAGE plpgsql STABLE AS $$
BEGIN
    -- One clock for the whole read: the start of the calling statement.
    moment := statement_timestamp();
    SELECT r.number INTO number FROM catalog_catalogrevision r WHERE r.id = revision_id;
    SELECT count(*) INTO passed FROM catalog_catalogscheduledchange c WHERE c.at <= moment;
    SELECT min(c.at) INTO next_change FROM catalog_catalogscheduledchange c WHERE c.at > moment;
END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("catalog", "0006_variant_sale_price")]

    operations = [
        migrations.CreateModel(
            name="CatalogScheduledChange",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("at", models.DateTimeField(verbose_name="at")),
                ("source", models.CharField(max_length=100, verbose_name="source")),
            ],
            options={
                "verbose_name": "scheduled catalogue change",
                "verbose_name_plural": "scheduled catalogue changes",
                "indexes": [models.Index(fields=["at"], name="catalog_scheduled_change_at")],
                "constraints": [
                    models.UniqueConstraint(fields=("source", "at"), name="catalog_scheduled_change_unique")
                ],
            },
        ),
        migrations.RunSQL(REVISION_READ, reverse_sql="DROP FUNCTION catalog_revision_read(bigint);"),
    ]
