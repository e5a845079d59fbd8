from __future__ import annotations

from pathlib import Path

import typer

from commands.common import acting, done, print_json, print_table
from domain.i18n import _


def register(app: typer.Typer) -> None:
    key = typer.Typer(help="Khóa ký / signing keys (admin).", no_args_is_help=True)
    app.add_typer(key, name="key")

    @key.command("create")
    def create(unit: str = typer.Option(..., "--unit")) -> None:
        """A new Ed25519 key pair for a unit; an earlier key is retired."""
        from commands.doc_cmd import passphrase
        from domain import keys

        with acting("keys.write") as (session, actor):
            created = keys.create(session, actor, unit, passphrase(confirm=True))
        done(_("{unit}: key {fingerprint}").format(unit=unit, fingerprint=created.fingerprint[:16]))

    @key.command("list")
    def list_(as_json: bool = typer.Option(False, "--json")) -> None:
        """Signing keys (public parts only)."""
        from domain import keys

        with acting() as (session, _actor):
            rows = keys.listing(session)
        if as_json:
            print_json(rows)
            return
        print_table(_("Signing keys"), ["unit", "fingerprint", "created_at", "revoked_at"],
                    [[r["unit"], str(r["fingerprint"])[:16], r["created_at"], r["revoked_at"]]
                     for r in rows])

    @key.command("revoke")
    def revoke(unit: str = typer.Option(..., "--unit")) -> None:
        """Revoke a unit's key; old seals stay verifiable and show the revocation."""
        from domain import keys

        with acting("keys.write") as (session, actor):
            count = keys.revoke(session, actor, unit)
        done(_("{unit}: {count} key(s) revoked").format(unit=unit, count=count))

    @key.command("export-trust")
    def export_trust(
        output: Path = typer.Option(..., "-o", "--output", help="The trust list file (JSON)."),
        force: bool = typer.Option(False, "--force", help="Replace an existing file."),
    ) -> None:
        """Write every unit's public keys and their validity: the trust list to keep outside
        the database and hand to the province (`doc verify --trust FILE`)."""
        import json

        from domain import keys
        from domain.output import check_target, write_private

        check_target(output, force=force)
        with acting() as (session, actor):
            trust = keys.export_trust(session, actor)
        text = json.dumps(trust, ensure_ascii=False, indent=2) + "\n"
        write_private(output, text.encode(), force=force)
        done(_("Trust list written: {count} key(s).").format(count=len(trust["keys"])))  # type: ignore[arg-type]
