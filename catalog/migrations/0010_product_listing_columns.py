"""Store each product's listing price and stock flag, kept by PostgreSQL, and index listings on them.

``listed_price`` is the lowest price a shopper pays now among the active
variants (sale prices that apply now included), NULL when there is none;
``in_stock`` says an active variant has stock. Listings filter, sort and
paginate on them through partial indexes instead of computing them per row.

Variant triggers are statement-level with transition tables, so a bulk insert
refreshes each product once per statement. An update that changes nothing a
listing shows (a stock change that does not cross zero: checkout's hot path)
finds no product in the transition tables and touches no product row. Sales
starting or ending are repriced by the scheduled-change fold
(catalog.services.catalog_schedule_fold), in the statement that bumps the
revision.
"""

from django.db import migrations, models

FORWARD = """
CREATE FUNCTION catalog_product_listing(p_id bigint, at timestamptz, OUT price numeric, OUT in_stock boolean)
LANGUAGE sql STABLE AS $$
    SELECT min(CASE WHEN v.sale_price IS NOT NULL
                          AND (v.sale_starts_at IS NULL OR v.sale_starts_at <= at)
                          AND (v.sale_ends_at IS NULL OR v.sale_ends_at > at)
                    THEN v.sale_price ELSE v.price END),
           coalesce(bool_or(v.stock > 0), false)
      FROM catalog_variant v
     WHERE v.product_id = p_id AND v.is_active
$$;

-- The one lock step of every trigger that rewrites product rows: ascending id, the order of
-- "Lock order" in docs/architecture.md. A join rather than id = ANY(array): a bulk insert's
-- thousands of ids stay one hash join.
CREATE FUNCTION catalog_product_lock(product_ids bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM catalog_product p JOIN unnest(product_ids) AS c(id) ON p.id = c.id
     ORDER BY p.id FOR NO KEY UPDATE OF p;
END
$$;

CREATE FUNCTION catalog_product_listing_refresh(product_ids bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(product_ids) IS DISTINCT FROM 0 AND product_ids IS NOT NULL THEN
        -- Lock first, then read the variants in the next statement, which sees what a
        -- concurrent change to another variant of the same product committed meanwhile.
        PERFORM catalog_product_lock(product_ids);
        UPDATE catalog_product p
           SET listed_price = l.price, in_stock = l.in_stock
          FROM unnest(product_ids) AS c(id), LATERAL catalog_product_listing(c.id, statement_timestamp()) l
         WHERE p.id = c.id
           AND (p.listed_price IS DISTINCT FROM l.price OR p.in_stock IS DISTINCT FROM l.in_stock);
    END IF;
END
$$;

CREATE FUNCTION catalog_variant_listing_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM catalog_product_listing_refresh(ARRAY(
        SELECT DISTINCT product_id FROM new_rows WHERE is_active ORDER BY product_id));
    RETURN NULL;
END
$$;

CREATE FUNCTION catalog_variant_listing_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM catalog_product_listing_refresh(ARRAY(
        SELECT DISTINCT product_id FROM old_rows WHERE is_active ORDER BY product_id));
    RETURN NULL;
END
$$;

CREATE FUNCTION catalog_variant_listing_update() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    touched bigint[];
BEGIN
    -- Only rows whose change shows in a listing; a stock change that stays on one side of zero
    -- (checkout) leaves this empty, and the product row is neither read nor locked.
    touched := ARRAY(
        SELECT DISTINCT product_id FROM (
            SELECT o.product_id AS a, n.product_id AS b
              FROM old_rows o JOIN new_rows n ON n.id = o.id
             WHERE (o.is_active OR n.is_active)
               AND (o.is_active <> n.is_active
                    OR o.product_id <> n.product_id
                    OR o.price <> n.price
                    OR o.sale_price IS DISTINCT FROM n.sale_price
                    OR o.sale_starts_at IS DISTINCT FROM n.sale_starts_at
                    OR o.sale_ends_at IS DISTINCT FROM n.sale_ends_at
                    OR (o.stock > 0) <> (n.stock > 0))
        ) changed, LATERAL (VALUES (changed.a), (changed.b)) AS both_ids(product_id)
        ORDER BY product_id);
    IF cardinality(touched) > 0 THEN
        PERFORM catalog_product_listing_refresh(touched);
    END IF;
    RETURN NULL;
END
$$;

-- Backfill, before the guard below would recompute each row a second time.
UPDATE catalog_product p
   SET listed_price = l.price, in_stock = l.in_stock
  FROM (
    SELECT v.product_id,
           min(CASE WHEN v.sale_price IS NOT NULL
                          AND (v.sale_starts_at IS NULL OR v.sale_starts_at <= statement_timestamp())
                          AND (v.sale_ends_at IS NULL OR v.sale_ends_at > statement_timestamp())
                    THEN v.sale_price ELSE v.price END) AS price,
           bool_or(v.stock > 0) AS in_stock
      FROM catalog_variant v WHERE v.is_active GROUP BY v.product_id
  ) l
 WHERE p.id = l.product_id;
ANALYZE catalog_product;

-- The columns belong to the database: a product saved from a stale copy (Django writes every
-- field) or created with values gets them recomputed from its variants, never overwritten.
CREATE FUNCTION catalog_product_listing_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- On insert, from the variants already there: bulk loads insert variants first (foreign keys
    -- are checked at commit), and a product created the usual way has none yet.
    IF TG_OP = 'UPDATE' THEN
        IF NEW.listed_price IS NOT DISTINCT FROM OLD.listed_price
                AND NEW.in_stock IS NOT DISTINCT FROM OLD.in_stock THEN
            RETURN NEW;
        END IF;
    END IF;
    SELECT l.price, coalesce(l.in_stock, false) INTO NEW.listed_price, NEW.in_stock
      FROM catalog_product_listing(NEW.id, statement_timestamp()) l;
    RETURN NEW;
END
$$;

CREATE TRIGGER catalog_product_listing_guard
    BEFORE INSERT OR UPDATE OF listed_price, in_stock ON catalog_product
    FOR EACH ROW EXECUTE FUNCTION catalog_product_listing_guard();

CREATE TRIGGER catalog_variant_listing_insert
    AFTER INSERT ON catalog_variant REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_variant_listing_insert();
CREATE TRIGGER catalog_variant_listing_delete
    AFTER DELETE ON catalog_variant REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_variant_listing_delete();
CREATE TRIGGER catalog_variant_listing_update
    AFTER UPDATE ON catalog_variant REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_variant_listing_update();

"""

BACKWARD = """
DROP TRIGGER IF EXISTS catalog_variant_listing_update ON catalog_variant;
DROP TRIGGER IF EXISTS catalog_variant_listing_delete ON catalog_variant;
DROP TRIGGER IF EXISTS catalog_variant_listing_insert ON catalog_variant;
DROP FUNCTION IF EXISTS catalog_variant_listing_update();
DROP FUNCTION IF EXISTS catalog_variant_listing_delete();
DROP FUNCTION IF EXISTS catalog_variant_listing_insert();
DROP TRIGGER IF EXISTS catalog_product_listing_guard ON catalog_product;
DROP FUNCTION IF EXISTS catalog_product_listing_guard();
DROP FUNCTION IF EXISTS catalog_product_listing_refresh(bigint[]);
DROP FUNCTION IF EXISTS catalog_product_lock(bigint[]);
DROP FUNCTION IF EXISTS catalog_product_listing(bigint, timestamptz);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0009_product_return_exemption"),
    ]

    operations = [
        migrations.AddField(
            model_name="product",
            name="in_stock",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.AddField(
            model_name="product",
            name="listed_price",
            field=models.DecimalField(decimal_places=2, editable=False, max_digits=12, null=True),
        ),
        migrations.RunSQL(FORWARD, BACKWARD),
        migrations.AddIndex(
            model_name="product",
            index=models.Index(
                condition=models.Q(("is_active", True), ("listed_price__isnull", False)),
                fields=["name", "id"],
                name="catalog_product_list_name",
            ),
        ),
        migrations.AddIndex(
            model_name="product",
            index=models.Index(
                condition=models.Q(("is_active", True), ("listed_price__isnull", False)),
                fields=["listed_price", "name", "id"],
                name="catalog_product_list_price",
            ),
        ),
        migrations.AddIndex(
            model_name="product",
            index=models.Index(
                condition=models.Q(("is_active", True), ("listed_price__isnull", False)),
                fields=["-listed_price", "name", "id"],
                name="catalog_product_list_price_dn",
            ),
        ),
        migrations.AddIndex(
            model_name="product",
            index=models.Index(
                condition=models.Q(("is_active", True), ("listed_price__isnull", False)),
                fields=["created_at", "id"],
                name="catalog_product_list_newest",
            ),
        ),
        migrations.AddIndex(
            model_name="product",
            index=models.Index(
                condition=models.Q(("is_active", True), ("listed_price__isnull", False), ("in_stock", True)),
                fields=["created_at", "id"],
                name="catalog_product_list_in_stock",
            ),
        ),
        migrations.AddIndex(
            model_name="product",
            index=models.Index(
                condition=models.Q(
                    ("is_active", True),
                    ("listed_price__isnull", False),
                    ("in_stock", True),
                    ("is_featured", True),
                ),
                fields=["created_at", "id"],
                name="catalog_product_list_featured",
            ),
        ),
    ]
