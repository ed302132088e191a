"""A memo shared by the checks of one run of the findings engine (OV-1).

The engine runs many checks over the same schools one after the other; several of them read the same rows (the
schools' districts and policy values, the current school year, the students' plans). Inside ``active()`` a
check's ``memo(key, fn)`` computes ``fn()`` once per run and hands the same result to every later check; outside a
run it simply calls ``fn()``. The memo lives for one run only, so nothing outlives the data it was read from.
Core imports no domain app: the checks name their own keys.
"""

import contextvars
from collections.abc import Callable, Hashable
from contextlib import contextmanager

_store: contextvars.ContextVar[dict | None] = contextvars.ContextVar("suiban_run_memo", default=None)


@contextmanager
def active():
    """Share one memo for the duration of the block (an inner block reuses the outer one)."""
    if _store.get() is not None:
        yield
        return
    token = _store.set({})
    try:
        yield
    finally:
        _store.reset(token)


def memo[T](key: Hashable, fn: Callable[[], T]) -> T:
    store = _store.get()
    if store is None:
        return fn()
    if key not in store:
        store[key] = fn()
    return store[key]


def ids_key(ids) -> tuple | None:
    """A hashable form of a check's ``school_ids`` (None: every school)."""
    return None if ids is None else tuple(sorted(ids))
