"""deploy/: the systemd unit, the Caddyfile and the compose file fit together and each
command in them is one `bbt` accepts (SPEC 7.5). Docker and Caddy do not run here: the files
are checked as files, the unit also by `systemd-analyze verify` where systemd is present."""

from __future__ import annotations

import configparser
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
UNIT = DEPLOY / "systemd" / "bbt-serve.service"
ENV_EXAMPLE = DEPLOY / "systemd" / "bbt.env.example"


def unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(UNIT, encoding="utf-8")
    return parser


def env_file(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines()
             if line.strip() and not line.startswith("#"))
    return {key.strip(): value.strip() for key, value in pairs}


def serve_options(argv: list[str]) -> dict[str, object]:
    """The options `bbt serve` would run with: parsed by the real command line."""
    import typer

    from commands.main import app

    assert argv[:2] == ["bbt", "serve"], argv
    group = typer.main.get_command(app)
    with group.make_context("bbt", argv[1:]) as parent:
        command = group.get_command(parent, "serve")  # type: ignore[attr-defined]
        assert command is not None
        return dict(command.make_context("serve", argv[2:], parent=parent).params)


def expand(text: str, values: dict[str, str]) -> str:
    """${NAME}, ${NAME:?message}, ${NAME:-default} as systemd and compose substitute them."""
    return re.sub(r"\$\{(\w+)(?::[?-][^}]*)?\}", lambda m: values[m.group(1)], text)


def test_unit_starts_bbt_serve_on_loopback_with_the_public_url() -> None:
    from bbt_tui.serve import public_url

    service = unit()["Service"]
    assert service["EnvironmentFile"] == "/etc/bbt/bbt.env"
    env = env_file(ENV_EXAMPLE)
    assert env["BBT_DATABASE_URL"].startswith("postgresql://")
    argv = shlex.split(expand(service["ExecStart"], env))
    assert argv[0].endswith("/bbt")
    options = serve_options(["bbt", *argv[1:]])
    assert options["host"] == "127.0.0.1"
    assert public_url(str(options["host"]), int(str(options["port"])),
                      str(options["public_url"])).startswith("https://")
    assert service["User"] != "root" and service["NoNewPrivileges"] == "yes"


def _unit_port() -> int:
    argv = shlex.split(expand(unit()["Service"]["ExecStart"], env_file(ENV_EXAMPLE)))
    return int(str(serve_options(["bbt", *argv[1:]])["port"]))


def test_caddy_proxies_to_the_port_the_unit_starts() -> None:
    caddyfile = (DEPLOY / "Caddyfile").read_text()
    upstreams = re.findall(r"^\s*reverse_proxy\s+\{\$BBT_UPSTREAM:([^}]+)\}\s*$", caddyfile,
                           re.MULTILINE)
    assert upstreams == [f"127.0.0.1:{_unit_port()}"]
    assert re.search(r"^\{\$BBT_SITE:[\w.-]+\} \{$", caddyfile, re.MULTILINE)


def test_compose_stack_fits_together() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"db", "bbt", "caddy"}
    env = env_file(DEPLOY / "bbt.env.example")
    options = serve_options([expand(word, env) for word in services["bbt"]["command"]])
    assert options["public_url"] == f"https://{env['BBT_SITE']}"
    assert services["caddy"]["environment"]["BBT_UPSTREAM"] == f"bbt:{options['port']}"
    assert services["bbt"]["expose"] == [str(options["port"])]
    assert "ports" not in services["bbt"]  # only Caddy faces the outside
    database = expand(services["bbt"]["environment"]["BBT_DATABASE_URL"], env)
    assert database.startswith("postgresql://bbt:") and "@db:5432/bbt" in database
    assert services["db"]["environment"]["POSTGRES_DB"] == "bbt"
    mounts = {volume.split(":")[0] for volume in services["caddy"]["volumes"]}
    assert (DEPLOY / "Caddyfile").is_file() and "./Caddyfile" in mounts
    build = services["bbt"]["build"]
    dockerfile = (DEPLOY / build["context"] / build["dockerfile"]).resolve()
    for source in re.findall(r"^COPY (\S+)", dockerfile.read_text(), re.MULTILINE):
        assert (ROOT / source).exists(), source


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd is not installed")
def test_systemd_accepts_the_unit(tmp_path: Path) -> None:
    """systemd's own parser, with the paths of this checkout in place of /opt and /etc."""
    bbt = ROOT / ".venv" / "bin" / "bbt"
    if not bbt.exists():
        bbt = Path(shutil.which("bbt") or "/usr/bin/true")
    text = UNIT.read_text().replace("/opt/bbt/.venv/bin/bbt", str(bbt)).replace(
        "/etc/bbt/bbt.env", str(ENV_EXAMPLE))
    copy = tmp_path / "bbt-serve.service"
    copy.write_text(text)
    result = subprocess.run(["systemd-analyze", "verify", str(copy)], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0 and "bbt-serve.service" not in result.stderr, result.stderr
