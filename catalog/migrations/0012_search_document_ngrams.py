"""The search document gains CJK n-grams and exact-SKU lexemes; the variant side runs per statement.

- CJK text of the name and description adds its single characters and character
  pairs (shop_cjk_ngrams), so a Chinese search narrows on the GIN index before
  its substring test.
- Each active variant's SKU adds the lexeme ``sku=<lower-case SKU>``, which no
  word of a query can produce, so the exact-SKU match that ranks first is an
  index lookup too.
- The variant triggers run once per statement with transition tables: a bulk
  insert of variants rewrites each product's document once, not once per row.
  They also fire when a variant is switched on or off (its exact-SKU lexeme), and lock
  the products in ascending id before rewriting them (``catalog_product_lock``, 0010).

Existing documents are rebuilt in one statement.
"""

from django.db import migrations

DOCUMENT = """
CREATE OR REPLACE FUNCTION catalog_product_document(p_id bigint, p_name text, p_description text)
RETURNS tsvector LANGUAGE sql STABLE AS $$
    SELECT setweight(to_tsvector('english', coalesce(p_name, '')), 'A')
        || setweight(to_tsvector('simple', coalesce(p_name, '')), 'A')
        || setweight(to_tsvector('simple', coalesce(skus.words, '')), 'A')
        || coalesce(array_to_tsvector(skus.exact), '')
        || setweight(to_tsvector('english', coalesce(p_description, '')), 'B')
        || array_to_tsvector(shop_cjk_ngrams(coalesce(p_name, '') || ' ' || coalesce(p_description, '')))
      FROM (SELECT string_agg(v.sku || ' ' || replace(v.sku, '-', ' '), ' ') AS words,
                   array_agg(DISTINCT 'sku=' || lower(v.sku)) FILTER (WHERE v.is_active AND v.sku <> '')
                       AS exact
              FROM catalog_variant v WHERE v.product_id = p_id) AS skus
$$;
"""

OLD_DOCUMENT = """
CREATE OR REPLACE FUNCTION catalog_product_document(p_id bigint, p_name text, p_description text)
RETURNS tsvector LANGUAGE sql STABLE AS $$
    SELECT setweight(to_tsvector('english', coalesce(p_name, '')), 'A')
        || setweight(to_tsvector('simple', coalesce(p_name, '')), 'A')
        || setweight(to_tsvector('simple', coalesce(
               (SELECT string_agg(v.sku || ' ' || replace(v.sku, '-', ' '), ' ')
                  FROM catalog_variant v WHERE v.product_id = p_id), '')), 'A')
        || setweight(to_tsvector('english', coalesce(p_description, '')), 'B')
$$;
"""

STATEMENT_TRIGGERS = """
DROP TRIGGER catalog_variant_search_update ON catalog_variant;
DROP FUNCTION catalog_variant_search_update();

CREATE FUNCTION catalog_variant_search_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    touched bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        touched := ARRAY(SELECT DISTINCT product_id FROM search_new_variants);
    ELSIF TG_OP = 'DELETE' THEN
        touched := ARRAY(SELECT DISTINCT product_id FROM search_old_variants);
    ELSE
        touched := ARRAY(
            SELECT DISTINCT unnest(ARRAY[o.product_id, n.product_id])
              FROM search_old_variants o JOIN search_new_variants n ON n.id = o.id
             WHERE n.sku IS DISTINCT FROM o.sku
                OR n.product_id IS DISTINCT FROM o.product_id
                OR n.is_active IS DISTINCT FROM o.is_active);
    END IF;
    IF cardinality(touched) > 0 THEN
        -- In ascending id first, as the listing refresh (migration 0010) locks them: an update
        -- alone would lock in plan order, and two bulk changes could deadlock.
        PERFORM catalog_product_lock(touched);
        UPDATE catalog_product p
           SET search_vector = catalog_product_document(p.id, p.name, p.description)
          FROM unnest(touched) AS c(id)
         WHERE p.id = c.id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER catalog_variant_search_insert
    AFTER INSERT ON catalog_variant REFERENCING NEW TABLE AS search_new_variants
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_variant_search_refresh();
CREATE TRIGGER catalog_variant_search_delete
    AFTER DELETE ON catalog_variant REFERENCING OLD TABLE AS search_old_variants
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_variant_search_refresh();
-- Transition tables allow no column list: the function skips updates that touch no SKU.
CREATE TRIGGER catalog_variant_search_change
    AFTER UPDATE ON catalog_variant
    REFERENCING OLD TABLE AS search_old_variants NEW TABLE AS search_new_variants
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_variant_search_refresh();
"""

ROW_TRIGGERS = """
DROP TRIGGER catalog_variant_search_change ON catalog_variant;
DROP TRIGGER catalog_variant_search_delete ON catalog_variant;
DROP TRIGGER catalog_variant_search_insert ON catalog_variant;
DROP FUNCTION catalog_variant_search_refresh();

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

REBUILD = "UPDATE catalog_product SET search_vector = catalog_product_document(id, name, description);"


class Migration(migrations.Migration):
    dependencies = [("catalog", "0011_catalog_revision_notify"), ("shop", "0014_cjk_ngrams")]

    operations = [
        migrations.RunSQL(DOCUMENT + STATEMENT_TRIGGERS, ROW_TRIGGERS + OLD_DOCUMENT + REBUILD),
        migrations.RunSQL(REBUILD, migrations.RunSQL.noop),
    ]
