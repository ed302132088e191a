"""API of the funds ledger module (API.md)."""

from ninja import Router

router = Router(tags=["funds"])
