"""API of the oversight module (API.md)."""

from ninja import Router

router = Router(tags=["oversight"])
