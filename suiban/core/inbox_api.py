"""``GET /api/v1/inbox`` (API.md): the signed-in user's to-do items, from every provider of the inbox registry
(``suiban.core.registry.inbox``) that the user's roles allow. The page shows the same list (``core:inbox`` and the
top of every home page)."""

from datetime import date

from ninja import Router, Schema

from suiban.core.registry import InboxItem, inbox

router = Router(tags=["inbox"])


class InboxObjectOut(Schema):
    type: str
    id: int | None


class InboxItemOut(Schema):
    kind: str
    title: str
    url: str
    due_date: date | None
    overdue: bool
    object: InboxObjectOut


class InboxOut(Schema):
    count: int
    items: list[InboxItemOut]


def item_out(i: InboxItem) -> dict:
    return {"kind": i.kind, "title": str(i.title), "url": i.url, "due_date": i.due_date, "overdue": i.overdue,
            "object": {"type": i.object_type, "id": i.object_id}}


@router.get("/inbox", response=InboxOut)
def get_inbox(request):
    """Everything the signed-in user must do, ordered by due date (undated last)."""
    items = inbox.items_for(request.user)
    return {"count": len(items), "items": [item_out(i) for i in items]}
