"""The function that counts one request against a rate limit (shop/ratelimit.py) in one statement.

Counting a request used to take six round trips (begin, lock, prune, count, insert, commit);
the function does the same work in one call, and says whether the request was counted.
Callers of one (scope, key) queue on a transaction-level advisory lock, so the count is exact
across processes. The function is
VOLATILE so that each statement in it takes a fresh snapshot: the count, made after the lock is
granted, sees every hit committed by the callers that held it before.
"""

from django.db import migrations

RATE_LIMIT_TAKE = """
CREATE FUNCTION shop_rate_limit_take(
    hit_scope varchar,
    hit_key_hash varchar,
    hit_limit integer,
    hit_at timestamptz,
    hit_window interval,
    lock_id bigint
) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    counted integer;
BEGIN
    PERFORM pg_advisory_xact_lock(lock_id);
    -- Expired hits of any key go a few at a time, so the table stays small without a job.
    DELETE FROM shop_ratelimithit WHERE id IN (
        SELECT h.id FROM shop_ratelimithit h WHERE h.expires_at <= hit_at LIMIT 100
    );
    SELECT count(*) INTO counted FROM shop_ratelimithit h
    WHERE h.scope = hit_scope AND h.key_hash = hit_key_hash AND h.created_at > hit_at - hit_window;
    IF counted >= hit_limit THEN
        RETURN false;
    END IF;
    INSERT INTO shop_ratelimithit (scope, key_hash, created_at, expires_at)
    VALUES (hit_scope, hit_key_hash, hit_at, hit_at + hit_window);
    RETURN true;
END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("shop", "0009_auditevent_coupons_generated")]

    operations = [
        migrations.RunSQL(
            RATE_LIMIT_TAKE,
            reverse_sql=(
                "DROP FUNCTION shop_rate_limit_take(varchar, varchar, integer, timestamptz, interval, bigint);"
            ),
        ),
    ]
