from __future__ import annotations

from pathlib import Path

import typer

from commands.common import acting, done, print_json, print_table, read_text_file
from domain.i18n import _


def _read_anchor(path: Path):  # type: ignore[no-untyped-def]
    from domain import audit

    return audit.Anchor.parse(read_text_file(path))


def register(app: typer.Typer) -> None:
    audit_app = typer.Typer(help="Nhật ký / audit chain.", no_args_is_help=True)
    app.add_typer(audit_app, name="audit")

    @audit_app.command("list")
    def list_(
        limit: int = typer.Option(200, "--limit"),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """The newest audit entries."""
        from domain import audit

        with acting("audit.read") as (session, _actor):
            rows: list[dict] = [{"id": e.id, "at": e.at.isoformat(), "actor": e.actor, "action": e.action,
                     "entity": e.entity, "key": e.entity_key, "detail": e.detail,
                     "hash": e.hash} for e in audit.entries(session, limit)]
        if as_json:
            print_json(rows)
        else:
            print_table(_("Audit log"), ["id", "at", "actor", "action", "key"],
                        [[r["id"], r["at"][:19], r["actor"], r["action"], r["key"]]
                         for r in rows])

    @audit_app.command("verify")
    def verify(
        anchor: Path | None = typer.Option(None, "--anchor",
                                           help="An anchor file the chain must still hold."),
    ) -> None:
        """Check the hash chain; exit 1 naming the first broken entry."""
        from domain import audit
        from domain.errors import BBTError

        with acting() as (session, _actor):
            kept = _read_anchor(anchor) if anchor is not None else None
            verdict = audit.verify(session, kept)
        if not verdict.ok:
            raise BBTError(_("Audit chain broken at entry {broken_id}: {reason}.").format(broken_id=verdict.broken_id, reason=verdict.reason))
        done(_("Audit chain intact: {count} entries.").format(count=verdict.checked))
        if kept is not None:
            done(_("It holds the anchor of {time}: entry {entries} with hash {hash}.").format(
                time=kept.time, entries=kept.entries, hash=kept.last_hash[:16]))

    @audit_app.command("anchor")
    def anchor(
        output: Path | None = typer.Option(None, "-o", "--output",
                                           help="Write the anchor to this file (mode 600)."),
        force: bool = typer.Option(False, "--force", help="Replace an existing file."),
    ) -> None:
        """The chain's head and Merkle root as JSON, to keep outside the database."""
        import json

        from domain import audit
        from domain import output as files

        if output is not None:
            files.check_target(output, force=force)
        with acting() as (session, _actor):
            head = audit.anchor(session)
        if output is None:
            print_json(head.as_json())
            return
        text = json.dumps(head.as_json(), ensure_ascii=False, indent=2) + "\n"
        files.write_private(output, text.encode(), force=force)
        done(_("Anchor written: {entries} entries, last hash {hash}.").format(
            entries=head.entries, hash=head.last_hash[:16]))

    @audit_app.command("prove")
    def prove(
        source: Path = typer.Option(..., "--from", help="An anchor file written earlier."),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """Prove (RFC 9162 consistency proof) that today's chain extends the anchored one."""
        from domain import audit
        from domain.errors import BBTError

        with acting() as (session, _actor):
            kept = _read_anchor(source)
            proof = audit.prove(session, kept)
        if as_json:
            print_json(proof.as_json())
        if not proof.ok:
            raise BBTError(_("Not consistent with the anchor of {time}: {reason}.").format(
                time=kept.time, reason=proof.reason))
        if not as_json:
            done(_("Consistent: the {old} anchored entries are the first {old} of {size}; "
                   "proof of {hashes} hashes, root {root}.").format(
                old=proof.old_size, size=proof.size, hashes=len(proof.proof),
                root=proof.root[:16]))
