"""Sessions in PostgreSQL, read and written with one plain statement each.

This is Django's database session store (same table, same signed data, same
expiry, same errors) with its two hot paths made cheaper. Nearly every shopper
request reads the session and most write it (cart, checkout token, recently
viewed), and Django's store reads it through a model query and saves it with
a model save inside a transaction (BEGIN, UPDATE, COMMIT): together about a
millisecond of CPU per request, a large share of a guest checkout (``make
bench``). A single UPDATE in autocommit is atomic by itself. Creating a session
(every new guest's first cart) is one INSERT too: Django first asks whether its
random key is taken, then inserts in a transaction, when the table's unique key
already refuses a taken one. Deleting sessions stays Django's.
"""

from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import VALID_KEY_CHARS, CreateError, UpdateError
from django.db import DatabaseError, connections, router
from django.utils import timezone
from django.utils.crypto import get_random_string


class SessionStore(db.SessionStore):
    def load(self) -> dict:
        """The session's data, or ``{}`` (and no key) when it is missing or expired."""
        alias = router.db_for_read(self.model)
        connection = connections[alias]
        table = connection.ops.quote_name(self.model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT session_data FROM {table} WHERE session_key = %s AND expire_date > %s",
                [self.session_key, timezone.now()],
            )
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return {}
        return self.decode(row[0])

    def _get_new_session_key(self) -> str:
        # Not looked up first: the insert refuses a taken key (CreateError) and create() draws again.
        return get_random_string(32, VALID_KEY_CHARS)

    def save(self, must_create: bool = False) -> None:
        """Save the data; raises UpdateError when the session vanished meanwhile (as Django's does).

        With ``must_create``, inserts the row and raises CreateError when its key is taken.
        """
        if self.session_key is None:
            self.create()
            return
        if must_create:
            self._insert()
            return
        alias = router.db_for_write(self.model)
        connection = connections[alias]
        table = connection.ops.quote_name(self.model._meta.db_table)
        data = self.encode(self._get_session())
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET session_data = %s, expire_date = %s WHERE session_key = %s",
                    [data, self.get_expiry_date(), self.session_key],
                )
                updated = cursor.rowcount
        except DatabaseError as error:
            raise UpdateError from error
        if not updated:
            # Deleted by a concurrent request (a sign-out): the middleware tells the shopper.
            raise UpdateError

    def _insert(self) -> None:
        alias = router.db_for_write(self.model)
        connection = connections[alias]
        table = connection.ops.quote_name(self.model._meta.db_table)
        data = self.encode(self._get_session(no_load=True))
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (session_key, session_data, expire_date) VALUES (%s, %s, %s)"
                " ON CONFLICT (session_key) DO NOTHING",
                [self.session_key, data, self.get_expiry_date()],
            )
            inserted = cursor.rowcount
        if not inserted:
            raise CreateError
