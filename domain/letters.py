"""The frame of the board's own papers (reminder letters, royalty sheets) in the Party layout,
built from the same settings and printed by the same renderers as the status reports."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlmodel import Session

from domain import report_render
from domain import settings as settings_
from domain.errors import BBTError
from domain.i18n import _
from domain.reports_layout import ReportDocument, _lines, _recipients, long_date
from models import Document


def frame(session: Session, *, number: str, day: date, title: str, subtitle: str,
          recipients: list[str]) -> ReportDocument:
    """Issuer, "ĐẢNG CỘNG SẢN VIỆT NAM", number, place and date, signer: from the settings."""
    values = settings_.all_settings(session)
    return ReportDocument(
        issuer_parent=_lines(values.get("org.parent", "")),
        issuer_name=_lines(values.get("org.name", "")),
        number=number,
        place_date=f"{values.get('place', '').strip()}, {long_date(day)}",
        title=title,
        subtitle=subtitle,
        recipients=_recipients("\n".join(recipients)),
        signer_title=_lines(values.get("signer.title", "")),
        signer_name=values.get("signer.name", "").strip(),
    )


def format_of(path: Path | None, fmt: str | None, allowed: tuple[str, ...]) -> str:
    """The format named by --format or by the file's extension (md without either)."""
    from_name = path.suffix.lower().lstrip(".") if path is not None else None
    chosen = fmt or from_name or "md"
    if fmt and from_name and fmt != from_name:
        raise BBTError(_("The format '{fmt}' contradicts the file name '{path}'.").format(
            fmt=fmt, path=path))
    if chosen not in allowed:
        raise BBTError(_("Format '{fmt}' is unknown here; use one of {formats}.").format(
            fmt=chosen, formats=", ".join(allowed)))
    return chosen


def render(doc: ReportDocument, fmt: str) -> bytes:
    content = report_render.render(doc, fmt)
    if fmt == "md" and not doc.title:
        # A công văn has no title line: its subject ("V/v ...") stands under the header.
        content = content.replace(b"\n# \n", b"\n", 1)
    return content


def attach(session: Session, doc: Document, content: bytes, filename: str) -> None:
    """Keep the rendered file with the register entry (store_attachment reads a path)."""
    import tempfile

    from domain import documents

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / Path(filename).name
        path.write_bytes(content)
        doc.attachment_sha256, doc.attachment_name = documents.store_attachment(session, path)
    session.add(doc)
    session.flush()
