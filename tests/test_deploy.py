"""deploy/: the environment template names every setting the code reads (and no other), the systemd
units start programs that are installed with options they know, and the template's PostgreSQL settings
give an instance configuration that Dagster accepts."""

from __future__ import annotations

import configparser
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from dagster._core.instance.config import dagster_instance_config

from sozialmonitor.instance import dagster_yaml
from sozialmonitor.settings import PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy"
SETTING = re.compile(r"SOZIALMONITOR_[A-Z_]+")
CODE = ("sozialmonitor", "ingest", "orchestration", "expectations")


def test_the_environment_template_names_every_setting_the_code_reads() -> None:
    read = {
        name
        for package in CODE
        for path in (PROJECT_ROOT / package).rglob("*.py")
        for name in SETTING.findall(path.read_text(encoding="utf-8"))
    }
    template = set(SETTING.findall((DEPLOY / "sozialmonitor.env").read_text(encoding="utf-8")))
    assert template == read


def units() -> dict[str, configparser.ConfigParser]:
    found = {}
    for path in sorted((DEPLOY / "systemd").glob("*.service")):
        unit = configparser.ConfigParser(strict=False, interpolation=None)
        unit.optionxform = str  # keys are case-sensitive in systemd
        unit.read(path, encoding="utf-8")
        found[path.name] = unit
    return found


def test_the_units_start_installed_programs_with_options_they_know() -> None:
    assert set(units()) == {
        "sozialmonitor-webserver.service",
        "sozialmonitor-webserver-readonly.service",
        "sozialmonitor-daemon.service",
    }
    bin_dir = Path(sys.executable).parent
    helps: dict[str, str] = {}
    for name, unit in units().items():
        service = unit["Service"]
        assert service["EnvironmentFile"] == "/etc/sozialmonitor/sozialmonitor.env", name
        for key in ("ExecStartPre", "ExecStart"):
            if key not in service:
                continue
            program, *arguments = shlex.split(service[key])
            assert program.startswith("/opt/sozialmonitor/.venv/bin/"), name
            installed = bin_dir / Path(program).name
            assert installed.exists(), f"{name}: {program}"
            subcommand = [argument for argument in arguments[:1] if not argument.startswith("-")]
            if Path(program).name not in helps:
                helps[Path(program).name] = subprocess.run(
                    [str(installed), *subcommand, "--help"], capture_output=True, text=True, check=True
                ).stdout
            options = [argument for argument in arguments if argument.startswith("-")]
            assert [option for option in options if option not in helps[Path(program).name]] == [], name
    ports = {
        name: shlex.split(unit["Service"]["ExecStart"])
        for name, unit in units().items()
        if "webserver" in name
    }
    assert {
        name: (command[command.index("-h") + 1], command[command.index("-p") + 1], "--read-only" in command)
        for name, command in ports.items()
    } == {
        "sozialmonitor-webserver.service": ("127.0.0.1", "3000", False),
        "sozialmonitor-webserver-readonly.service": ("127.0.0.1", "3001", True),
    }


def test_the_templates_postgresql_settings_make_an_instance_dagster_accepts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for line in (DEPLOY / "sozialmonitor.env").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            monkeypatch.setenv(name, value or "ein-Passwort")
    (tmp_path / "dagster.yaml").write_text(dagster_yaml(tmp_path), encoding="utf-8")
    settings, _ = dagster_instance_config(str(tmp_path))
    assert settings["storage"]["postgres"]["postgres_db"]["password"] == {
        "env": "SOZIALMONITOR_POSTGRES_PASSWORD"
    }
    assert "ein-Passwort" not in (tmp_path / "dagster.yaml").read_text(encoding="utf-8")
    assert settings["run_launcher"]["class"] == "WatchedRunLauncher"
    assert settings["run_coordinator"]["config"]["max_concurrent_runs"] == 1
