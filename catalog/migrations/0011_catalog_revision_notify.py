"""Tell every web process when the catalogue revision or the scheduled changes change.

Each web process keeps the revision in memory while a listener thread of its own is
connected (catalog/revision.py). These statement triggers NOTIFY that listener in the
transaction that makes the change, so the message arrives exactly when the change commits,
and never for one that rolls back, whoever makes it: a service, a fold, a migration, a
restore or an operator's SQL. TRUNCATE counts too (the test suite empties tables with it).
"""

from django.db import migrations

CHANNEL = "catalog_revision"

NOTIFY = f"""
CREATE FUNCTION catalog_revision_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('{CHANNEL}', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER catalog_revision_notify
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON catalog_catalogrevision
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_revision_notify();
CREATE TRIGGER catalog_scheduled_change_notify
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON catalog_catalogscheduledchange
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_revision_notify();
"""

DROP = """
DROP TRIGGER catalog_scheduled_change_notify ON catalog_catalogscheduledchange;
DROP TRIGGER catalog_revision_notify ON catalog_catalogrevision;
DROP FUNCTION catalog_revision_notify();
"""


class Migration(migrations.Migration):
    dependencies = [("catalog", "0010_product_listing_columns")]

    operations = [migrations.RunSQL(NOTIFY, reverse_sql=DROP)]
