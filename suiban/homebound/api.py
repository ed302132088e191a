"""API of the home-delivered education module (API.md)."""

from ninja import Router

router = Router(tags=["homebound"])
