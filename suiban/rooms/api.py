"""API of the resource rooms and assessment module (API.md)."""

from ninja import Router

router = Router(tags=["rooms"])
