"""`bbt trust`: the root certificates legal digital signatures must chain to."""

from __future__ import annotations

from pathlib import Path

import typer

from commands.common import acting, done, print_json, print_table
from domain.i18n import _


def register(app: typer.Typer) -> None:
    trust = typer.Typer(help="Chứng thư gốc / trusted roots for digital signatures.",
                        no_args_is_help=True)
    app.add_typer(trust, name="trust")

    @trust.command("add-root")
    def add_root(cert: Path) -> None:
        """Pin a root certificate (PEM or DER), e.g. the Government Cipher Committee's."""
        from domain import signatures

        with acting("settings.write") as (session, actor):
            root = signatures.add_root(session, actor, cert)
        done(_("Pinned {subject} ({fingerprint}).").format(subject=root.subject,
                                                         fingerprint=root.fingerprint[:16]))

    @trust.command("list")
    def list_(as_json: bool = typer.Option(False, "--json")) -> None:
        """The pinned roots."""
        from domain import signatures

        with acting() as (session, _actor):
            rows = signatures.roots(session)
        if as_json:
            print_json(rows)
            return
        print_table(_("Trusted roots"), ["subject", "fingerprint", "not_after"],
                    [[r["subject"], r["fingerprint"][:16], r["not_after"][:10]] for r in rows])
