"""Keep Product.search_vector current from name, description and SKUs.

Triggers rather than save() hooks, so admin inlines, bulk inserts of the demo
data and any future write path all keep search right.
"""

from django.db import migrations

FORWARD = """
CREATE FUNCTION catalog_product_document(p_id bigint, p_name text, p_description text)
RETURNS tsvector LANGUAGE sql STABLE AS $$
    SELECT setweight(to_tsvector('english', coalesce(p_name, '')), 'A')
        || setweight(to_tsvector('simple', coalesce(p_name, '')), 'A')
        || setweight(to_tsvector('simple', coalesce(
               (SELECT string_agg(v.sku || ' ' || replace(v.sku, '-', ' '), ' ')
                  FROM catalog_variant v WHERE v.product_id = p_id), '')), 'A')
        || setweight(to_tsvector('english', coalesce(p_description, '')), 'B')
$$;

CREATE FUNCTION catalog_product_search_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector := catalog_product_document(NEW.id, NEW.name, NEW.description);
    RETURN NEW;
END
$$;

CREATE TRIGGER catalog_product_search_update
    BEFORE INSERT OR UPDATE OF name, description ON catalog_product
    FOR EACH ROW EXECUTE FUNCTION catalog_product_search_update();

CREATE FUNCTION catalog_variant_search_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE catalog_product p
           SET search_vector = catalog_product_document(p.id, p.name, p.description)
         WHERE p.id = OLD.product_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE catalog_product p
           SET search_vector = catalog_product_document(p.id, p.name, p.description)
         WHERE p.id = NEW.product_id AND (TG_OP = 'INSERT' OR NEW.product_id <> OLD.product_id
                                           OR NEW.sku <> OLD.sku);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER catalog_variant_search_update
    AFTER INSERT OR DELETE OR UPDATE OF sku, product_id ON catalog_variant
    FOR EACH ROW EXECUTE FUNCTION catalog_variant_search_update();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS catalog_variant_search_update ON catalog_variant;
DROP FUNCTION IF EXISTS catalog_variant_search_update();
DROP TRIGGER IF EXISTS catalog_product_search_update ON catalog_product;
DROP FUNCTION IF EXISTS catalog_product_search_update();
DROP FUNCTION IF EXISTS catalog_product_document(bigint, text, text);
"""


def create_revision_row(apps, schema_editor):
    apps.get_model("catalog", "CatalogRevision").objects.get_or_create(pk=1, defaults={"number": 1})


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [
        migrations.RunSQL(FORWARD, BACKWARD),
        migrations.RunPython(create_revision_row, migrations.RunPython.noop),
    ]
