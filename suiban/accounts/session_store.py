"""Database sessions whose keys are stored hashed (SEC-1, SEC-4).

The session key is the bearer secret of the session cookie. Django's database backend stores it in clear as the
primary key of ``django_session``, so a copy of the database file alone let anyone sign in as every person with an
open session. This backend stores a BLAKE2b digest of the key instead (40 hex characters, the column's width):
the cookie still carries the key, the database only its digest, which cannot be turned back into a cookie. Keys
are 32 random characters (about 165 bits), so an unsalted hash is enough, as for the API tokens.

Everything else is Django's database backend (the same table, expiry, ``clearsessions``).
"""

import hashlib

from django.contrib.sessions.backends import db
from django.utils import timezone


def stored_key(session_key: str) -> str:
    """The digest under which a session key is stored."""
    return hashlib.blake2b(session_key.encode(), digest_size=20, person=b"suiban-session").hexdigest()


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        try:
            return self.model.objects.get(session_key=stored_key(self.session_key), expire_date__gt=timezone.now())
        except self.model.DoesNotExist:
            self._session_key = None

    async def _aget_session_from_db(self):
        try:
            return await self.model.objects.aget(session_key=stored_key(self.session_key),
                                                 expire_date__gt=timezone.now())
        except self.model.DoesNotExist:
            self._session_key = None

    def exists(self, session_key):
        return super().exists(stored_key(session_key))

    async def aexists(self, session_key):
        return await super().aexists(stored_key(session_key))

    def create_model_instance(self, data):
        obj = super().create_model_instance(data)
        obj.session_key = stored_key(obj.session_key)
        return obj

    async def acreate_model_instance(self, data):
        obj = await super().acreate_model_instance(data)
        obj.session_key = stored_key(obj.session_key)
        return obj

    def delete(self, session_key=None):
        if session_key is None:
            session_key = self.session_key
        if session_key is not None:
            super().delete(stored_key(session_key))

    async def adelete(self, session_key=None):
        if session_key is None:
            session_key = self.session_key
        if session_key is not None:
            await super().adelete(stored_key(session_key))
