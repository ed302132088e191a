"""API of the staff and support bodies module (API.md)."""

from ninja import Router

router = Router(tags=["staff"])
