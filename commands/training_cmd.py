from __future__ import annotations

import typer

from commands.common import acting, done, print_json, print_table
from domain.i18n import _


def register(app: typer.Typer) -> None:
    training = typer.Typer(help="Tập huấn / trainings.", no_args_is_help=True)
    app.add_typer(training, name="training")

    @training.command("add")
    def add(
        date: str = typer.Option(..., "--date"),
        topic: str = typer.Option(..., "--topic"),
        unit: list[str] = typer.Option(..., "--unit", help="Repeat for every unit that attended."),
    ) -> None:
        """Record a training and the units that attended."""
        from domain import units

        with acting("trainings.write") as (session, actor):
            created = units.add_training(session, actor, date, topic, unit)
        done(str(created.id))

    @training.command("list")
    def list_(as_json: bool = typer.Option(False, "--json")) -> None:
        """List trainings."""
        from domain import units

        with acting() as (session, actor):
            rows: list[dict] = [{"id": t.id, "date": t.date.isoformat(), "topic": t.topic, "units": codes}
                    for t, codes in units.trainings(session, actor=actor)]
        if as_json:
            print_json(rows)
        else:
            print_table(_("Trainings"), ["date", "topic", "units"],
                        [[r["date"], r["topic"], len(r["units"])] for r in rows])
