"""`bbt doc attach|files|file|history` and the legal-signature part of `bbt doc verify`:
a document's files, their signatures and its access history (SPEC section 7.3)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from commands.common import acting, done, print_json, print_table
from domain.i18n import _


def doc_group(app: typer.Typer) -> typer.Typer:
    """The `doc` group that commands/doc_cmd.py registered."""
    for group in app.registered_groups:
        if group.name == "doc" and group.typer_instance is not None:
            return group.typer_instance
    raise RuntimeError("commands.doc_cmd must register before commands.file_cmd")


YEAR = typer.Option(None, "--year", help="The year of the document's date, when its number "
                    "repeats (terms, years).")


def verify_command(number: str, as_json: bool, year: int | None = None,
                   trust: Path | None = None) -> None:
    """`doc verify`: the seal (niêm phong, checked against the trust list FILE when given) and
    every legal signature; exit 1 unless all hold."""
    from commands.common import read_text_file
    from domain import keys, signatures
    from domain.errors import BBTError

    trusted = keys.parse_trust(read_text_file(trust)) if trust is not None else None
    with acting(write=True) as (session, actor):  # the verification is recorded
        result = signatures.verify(session, actor, number, year, trusted)
    if as_json:
        print_json(result)
        if not result["valid"]:
            raise typer.Exit(1)
        return
    for line in _verify_lines(result):
        done(line)
    if not result["valid"]:
        raise BBTError(_("{number}: INVALID: {reason}.").format(
            number=result["number"], reason=_invalid_reason(result)))


def _verify_lines(result: dict[str, Any]) -> list[str]:
    seal = result["seal"]
    lines = []
    if seal["present"]:
        lines.append(_("{number}: seal (niêm phong): {reason}").format(
            number=result["number"], reason=seal["reason"]))
    for sig in result["legal_signatures"]:
        lines.append(_("{number}: digital signature (chữ ký số) of {signer}, signed {at}: "
                       "{intact}, {trusted}").format(
            number=result["number"], signer=sig["signer"] or "?", at=sig["signed_at"] or "?",
            intact=_("intact") if sig["intact"] else _("ALTERED or invalid"),
            trusted=_("trusted") if sig["trusted"] else _("NOT trusted")))
    return lines


def _invalid_reason(result: dict[str, Any]) -> str:
    if result["seal"]["present"] and not result["seal"]["valid"]:
        return result["seal"]["reason"]
    if not result["legal_signatures"]:
        return _("it carries neither a seal nor a digital signature")
    return _("a digital signature does not hold")


def show_files_and_signatures(row: dict[str, Any]) -> None:
    """The part of `doc show` about files and legal signatures."""
    done(_("digitally signed (chữ ký số): {legal}  files: {files}").format(
        legal=row["legally_signed"], files=", ".join(f["name"] for f in row["files"]) or "-"))
    for sig in row["legal_signatures"]:
        done(_("  {signer}, signed {at}: {intact}, {trusted}").format(
            signer=sig["signer"] or "?", at=sig["signed_at"] or "?",
            intact=_("intact") if sig["intact"] else _("ALTERED or invalid"),
            trusted=_("trusted") if sig["trusted"] else _("NOT trusted")))


def register(app: typer.Typer) -> None:
    doc = doc_group(app)

    @doc.command("attach")
    def attach(number: str, paths: list[Path] = typer.Argument(..., help="Files to add."),
               year: int | None = YEAR) -> None:
        """Add appendices (phụ lục) to a document."""
        from domain import files

        with acting("documents.write") as (session, actor):
            added = files.attach(session, actor, number, paths, year)
        done(_("{number}: {count} files attached").format(number=number, count=len(added)))

    @doc.command("files")
    def files_(number: str, as_json: bool = typer.Option(False, "--json"),
               year: int | None = YEAR) -> None:
        """A document's files: the main file and its appendices."""
        from domain import files

        with acting() as (session, actor):
            rows = files.files_of(session, actor, number, year)
        if as_json:
            print_json(rows)
            return
        print_table(_("Files"), ["name", "role", "file_type", "size", "sha256"],
                    [[r["name"], r["role"], r["type"], r["size"], r["sha256"][:16]]
                     for r in rows])

    @doc.command("file")
    def file_(number: str, name: str | None = typer.Option(None, "--name"),
              output: Path = typer.Option(..., "-o", "--output"),
              force: bool = typer.Option(False, "--force"), year: int | None = YEAR) -> None:
        """Write a stored file back, byte for byte (the main file unless --name)."""
        from domain import files
        from domain.output import check_target, write_private

        check_target(output, force=force)
        with acting(write=True) as (session, actor):  # the download is recorded
            row, data = files.download(session, actor, number, name, year)
            write_private(output, data, force=force)  # the download is recorded only if written
        done(_("{number}: {name} written to {path}").format(number=number, name=row.name,
                                                           path=output))

    @doc.command("history")
    def history(number: str, as_json: bool = typer.Option(False, "--json"),
                year: int | None = YEAR) -> None:
        """Every view, download, action and verification of a document, with who and when."""
        from domain import history as history_

        with acting() as (session, actor):
            rows = history_.of_document(session, actor, number, year)
        if as_json:
            print_json(rows)
            return
        print_table(_("History"), ["at", "actor", "action", "key"],
                    [[r["at"][:19], r["who"], r["action"], r["key"]] for r in rows])
