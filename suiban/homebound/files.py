"""Photos and short videos of visits, documents of enrolments (HB-6; SEC-5): checked by content (the first bytes,
not the name or the declared type), size-capped (⚙ settings SUIBAN_HOMEBOUND_PHOTO_MAX_BYTES /
SUIBAN_HOMEBOUND_VIDEO_MAX_BYTES), stored through Django's storage API under random names, and served only by the
access-checked views of this module (``MEDIA_URL`` is not routed)."""

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils.translation import gettext as _

from suiban.core import audit
from suiban.core.errors import DomainError
from suiban.core.services import field_error
from suiban.students.archives.services import KINDS, size_in_mb, sniff

PHOTO_MAX = 10 * 1024 * 1024
VIDEO_MAX = 50 * 1024 * 1024
DOCUMENT_MAX = 20 * 1024 * 1024
MEDIA_KINDS = ("jpeg", "png", "mp4")
DOCUMENT_KINDS = ("pdf", "jpeg", "png")


def _fail(field, message, code):
    raise DomainError(message, errors=[field_error(field, message, code)])


def limit_for(code: str) -> int:
    if code == "mp4":
        return int(getattr(settings, "SUIBAN_HOMEBOUND_VIDEO_MAX_BYTES", VIDEO_MAX))
    if code == "pdf":
        return DOCUMENT_MAX
    return int(getattr(settings, "SUIBAN_HOMEBOUND_PHOTO_MAX_BYTES", PHOTO_MAX))


def check_media(uploaded_file, *, field: str = "file", documents: bool = False):
    """A photo (JPEG/PNG) or a short video (MP4) — or for documents a PDF/JPEG/PNG — by content and size."""
    if uploaded_file is None:
        _fail(field, _("Choose a file to upload."), "required")
    size = uploaded_file.size or 0
    if size <= 0:
        _fail(field, _("The file is empty."), "file_empty")
    allowed = DOCUMENT_KINDS if documents else MEDIA_KINDS
    found = sniff(uploaded_file)
    if found not in allowed:
        _fail(field, _("Only photos (JPEG, PNG) and short videos (MP4) can be attached.") if not documents
              else _("Only PDF, JPEG and PNG documents can be uploaded."), "file_type")
    ext = (uploaded_file.name or "").rsplit(".", 1)[-1].lower()
    if ext not in KINDS[found].extensions:
        _fail(field, _("The content of the file does not match its extension .%(ext)s.") % {"ext": ext},
              "file_mismatch")
    if size > limit_for(found):
        _fail(field, _("The file is larger than %(max)s MB.") % {"max": size_in_mb(limit_for(found))},
              "file_too_large")
    return KINDS[found]


def store(obj, kind, uploaded_file, *, actor, action: str, audit_obj):
    """Write the file through the storage API, then the row and its audit entry; a failure removes the file."""
    obj.content_type = kind.content_type
    obj.size = uploaded_file.size
    obj.uploaded_by = actor
    content = uploaded_file if isinstance(uploaded_file, File) else File(uploaded_file)
    content.seek(0)
    obj.file.save(f"upload.{kind.extensions[0]}", content, save=False)
    stored = obj.file.name
    try:
        with transaction.atomic():
            obj.save()
            audit.record(actor, action, audit_obj, changes={"file": [None, obj.name],
                                                             "content_type": [None, obj.content_type],
                                                             "size": [None, obj.size]})
    except BaseException:
        obj.file.storage.delete(stored)
        obj.pk = None
        raise
    return obj
