"""The terminal UI with documents' files: attach when receiving and on the detail, save the
files to a folder, see the legal signatures and the access history."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from bbt_tui.app import BBTApp
from bbt_tui.pilot import fill, log_in, press_and_settle, settle, text_of
from bbt_tui.screens.document_detail import DocumentScreen
from bbt_tui.widgets.form import FormScreen
from bbt_tui.widgets.paged_table import PagedTable
from tests.conftest import ADMIN_PASSWORD, Bbt
from tests.filekit import make_root, make_signer, pdf_bytes, sign_pdf
from tests.test_tui import drive


def test_receive_with_a_signed_pdf_attach_save_and_verify(
        demo_sqlite: Bbt, tmp_path: Path) -> None:
    bbt = demo_sqlite
    root = make_root()
    (tmp_path / "root.pem").write_bytes(root.pem())
    bbt.ok("trust", "add-root", str(tmp_path / "root.pem"))
    signed = tmp_path / "nq-201.pdf"
    signed.write_bytes(sign_pdf(pdf_bytes("Nghị quyết về hạ tầng số"),
                                make_signer(root, "Bí thư Tỉnh ủy"), root))
    appendix = tmp_path / "phu-luc.txt"
    appendix.write_text("Phụ lục kèm theo")
    out = tmp_path / "saved"
    out.mkdir()
    seen: dict[str, Any] = {}

    async def script(app: BBTApp, pilot: Pilot) -> None:
        await log_in(pilot, "admin", ADMIN_PASSWORD, area="documents")
        await press_and_settle(pilot, "r")
        await fill(pilot, "#field-number", "201-NQ/TU")
        await fill(pilot, "#field-sender", "TU")
        await fill(pilot, "#field-day", "25/05/2022")
        await fill(pilot, "#field-title", "Nghị quyết về hạ tầng số")
        await fill(pilot, "#field-file", str(signed))
        await press_and_settle(pilot, "f2")
        await press_and_settle(pilot, "y")  # the dialog naming the document before it is registered
        assert not isinstance(app.screen, FormScreen), text_of(pilot, "#form-error")
        app.screen.query_one(PagedTable).apply_search_now("ha tang so")  # by the PDF's words
        await settle(pilot)
        seen["found"] = [r.data for r in app.screen.query_one(PagedTable).records]
        await press_and_settle(pilot, "enter")
        assert isinstance(app.screen, DocumentScreen)
        seen["body"] = text_of(pilot, "#document-body")
        seen["history"] = text_of(pilot, "#document-history")
        await press_and_settle(pilot, "a")
        await fill(pilot, "#field-path", str(appendix))
        await press_and_settle(pilot, "f2")
        seen["attached"] = text_of(pilot, "#document-body")
        await press_and_settle(pilot, "o")
        await fill(pilot, "#field-folder", str(out))
        await press_and_settle(pilot, "f2")
        await press_and_settle(pilot, "v")
        seen["verdict"] = text_of(pilot, "#verdict")
        seen["history_after"] = text_of(pilot, "#document-history")

    drive(bbt.url, script)
    assert seen["found"][0] == "201-NQ/TU"
    assert "nq-201.pdf" in seen["body"] and "Bí thư Tỉnh ủy" in seen["body"]
    assert "incoming document registered" in seen["history"] and "document opened" in seen["history"]
    assert "phu-luc.txt" in seen["attached"]
    assert (out / "nq-201.pdf").read_bytes() == signed.read_bytes()
    assert (out / "phu-luc.txt").read_bytes() == appendix.read_bytes()
    assert "Bí thư Tỉnh ủy" in seen["verdict"]
    assert "NOT trusted" not in seen["verdict"] and "KHÔNG tin cậy" not in seen["verdict"]
    assert "document file saved" in seen["history_after"]
    assert bbt.json("doc", "show", "201-NQ/TU")["legally_signed"] is True


def test_the_clerks_inbox_opens_the_document_with_its_files(
        demo_sqlite: Bbt, tmp_path: Path) -> None:
    from tests.conftest import DEMO_USERS

    bbt = demo_sqlite
    clerk = bbt.as_("vt.du-locthanh", DEMO_USERS["vt.du-locthanh"])
    pending = [r["number"] for r in clerk.json("doc", "inbox")]
    assert len(pending) >= 2
    second = pending[1]
    (tmp_path / "kem-theo.txt").write_text("Văn bản kèm theo")
    bbt.ok("doc", "attach", second, str(tmp_path / "kem-theo.txt"))
    seen: dict[str, Any] = {}

    async def script(app: BBTApp, pilot: Pilot) -> None:
        await log_in(pilot, "vt.du-locthanh", DEMO_USERS["vt.du-locthanh"])
        assert type(app.screen).__name__ == "InboxScreen"
        table = app.screen.query_one(PagedTable)
        await press_and_settle(pilot, "down")  # the second row: Enter must open that one
        seen["highlighted"] = table.selected.data["number"]  # type: ignore[union-attr]
        await press_and_settle(pilot, "enter")
        assert isinstance(app.screen, DocumentScreen)
        seen["opened"] = app.screen.doc["number"]
        seen["body"] = text_of(pilot, "#document-body")

    drive(bbt.url, script)
    assert seen["highlighted"] == second == seen["opened"]
    assert "kem-theo.txt" in seen["body"]
    history = bbt.json("doc", "history", second)
    assert ("vt.du-locthanh", "document.view") in [(h["who"], h["action"]) for h in history]
