"""PDF attachments of orders, proposals and history steps: checked, stored once, served only to who may see them.

The bytes live under ``ATTACHMENT_DIR`` (``attachments`` in the data folder, ``instance/``, by default), named by a random key; the
database row keeps the original file name, size and SHA-256. A file is written before its row is committed,
so a failed commit can leave an orphan file but never a row without its file.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import tempfile
import unicodedata
from pathlib import Path
from typing import IO, Protocol

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from matchmaker.extensions import db
from matchmaker.models import (
    Attachment,
    OrderEvent,
    Proposal,
    ResearchOrder,
    User,
)
from matchmaker.services import policy
from matchmaker.services.errors import Conflict

PDF_MAGIC = b"%PDF-"
CHUNK = 64 * 1024


class Upload(Protocol):
    """What a form hands over: werkzeug's FileStorage, or anything with a name and a stream."""

    filename: str | None
    stream: IO[bytes]


def storage_dir() -> Path:
    """Where attachment files are kept (created on first use)."""
    configured = current_app.config.get("ATTACHMENT_DIR")
    path = Path(
        configured or Path(current_app.config["MATCHMAKER_DATA_DIR"]) / "attachments"
    )
    path.mkdir(parents=True, exist_ok=True)
    return path


def path_of(attachment: Attachment) -> Path:
    key = attachment.storage_key
    return storage_dir() / key[:2] / f"{key}.pdf"


def display_name(filename: str | None) -> str:
    """The name shown and offered on download: NFC, no folders or control characters, at most 255 characters."""
    name = unicodedata.normalize("NFC", filename or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    if not name.lower().endswith(".pdf"):
        name = f"{name or 'document'}.pdf"
    return name[-255:]


def _copy_checked(upload: Upload, target: Path) -> tuple[int, str]:
    """Copy the upload to ``target`` through a temporary file, checking that it is a PDF within the limit."""
    limit = current_app.config["ATTACHMENT_MAX_BYTES"]
    digest = hashlib.sha256()
    size = 0
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=target.parent, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            first = True
            while chunk := upload.stream.read(CHUNK):
                if first and not chunk.startswith(PDF_MAGIC):
                    raise Conflict(
                        _("Only PDF files can be attached."), field="attachment"
                    )
                first = False
                size += len(chunk)
                if size > limit:
                    raise Conflict(
                        _(
                            "The file is larger than %(mb).1f MB.",
                            mb=limit / 1024 / 1024,
                        ),
                        field="attachment",
                    )
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise Conflict(_("The file is empty."), field="attachment")
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return size, digest.hexdigest()


def store_pdf(
    upload: Upload,
    *,
    order: ResearchOrder,
    uploader: User,
    proposal: Proposal | None = None,
    event: OrderEvent | None = None,
    public: bool = False,
) -> Attachment:
    """Check and keep a PDF for ``order`` (and a proposal or a history step); the caller commits.

    Raises Conflict (field ``attachment``) for a file that is not a PDF, is empty or is over
    ``ATTACHMENT_MAX_BYTES``; nothing is kept then.
    """
    key = secrets.token_hex(16)
    attachment = Attachment(
        order_id=order.id,
        proposal_id=proposal.id if proposal is not None else None,
        event_id=event.id if event is not None else None,
        filename=display_name(upload.filename),
        storage_key=key,
        public=public and proposal is None and event is None,
        uploaded_by_id=uploader.id,
    )
    attachment.size, attachment.sha256 = _copy_checked(upload, path_of(attachment))
    db.session.add(attachment)
    db.session.flush()
    return attachment


def for_order(order: ResearchOrder, viewer: User) -> list[Attachment]:
    """The order's own files (not proposals' nor history steps') that ``viewer`` may download."""
    stmt = (
        sa.select(Attachment)
        .where(
            Attachment.order_id == order.id,
            Attachment.proposal_id.is_(None),
            Attachment.event_id.is_(None),
        )
        .order_by(Attachment.id)
    )
    return [
        a for a in db.session.scalars(stmt) if policy.may_download_attachment(viewer, a)
    ]


def for_events(order: ResearchOrder, viewer: User) -> dict[int, list[Attachment]]:
    """History steps' files by event id, for a viewer who may see the history (nothing otherwise)."""
    if not policy.may_see_order_part(viewer, order, policy.HISTORY):
        return {}
    stmt = (
        sa.select(Attachment)
        .where(Attachment.order_id == order.id, Attachment.event_id.is_not(None))
        .order_by(Attachment.id)
    )
    found: dict[int, list[Attachment]] = {}
    for attachment in db.session.scalars(stmt):
        found.setdefault(attachment.event_id, []).append(attachment)
    return found


def for_proposal(proposal: Proposal) -> list[Attachment]:
    """A proposal's files; callers check that the viewer may see the proposal."""
    stmt = (
        sa.select(Attachment)
        .where(Attachment.proposal_id == proposal.id)
        .order_by(Attachment.id)
    )
    return list(db.session.scalars(stmt))
