"""The deployments beyond one machine (deploy/docker, deploy/kubernetes) are configuration Dagster
itself accepts: the instance file through Dagster's instance schema, each run launcher's section
through its own class's schema, and a misspelled field is refused with Dagster's error, not ignored
(a silently dropped `job_namespace` would start runs in the wrong namespace)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster._config import process_config
from dagster._core.errors import DagsterInvalidConfigError
from dagster._core.instance.config import dagster_instance_config
from dagster._core.launcher import RunLauncher
from dagster._serdes.config_class import ConfigurableClassData
from dagster_docker import DockerRunLauncher
from dagster_k8s import K8sRunLauncher
from dagster_postgres.utils import pg_config

from sozialmonitor.instance import dagster_yaml
from sozialmonitor.settings import PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy"
POSTGRES_ENV = {
    "SOZIALMONITOR_POSTGRES_HOST": "db.internal",
    "SOZIALMONITOR_POSTGRES_PORT": "5433",
    "SOZIALMONITOR_POSTGRES_DB": "sozialmonitor",
    "SOZIALMONITOR_POSTGRES_USER": "sozialmonitor",
    "SOZIALMONITOR_POSTGRES_PASSWORD": "not-a-real-password",
    "DAGSTER_PG_PASSWORD": "not-a-real-password",
}


def instance_config(tmp_path: Path, deployment: str, edit: tuple[str, str] | None = None) -> dict:
    """The deployment's dagster.yaml as Dagster's instance loader reads and validates it, optionally
    with one text replaced (to break it)."""
    home = tmp_path / deployment
    home.mkdir()
    text = (DEPLOY / deployment / "dagster.yaml").read_text(encoding="utf-8")
    if edit is not None:
        assert edit[0] in text
        text = text.replace(*edit)
    (home / "dagster.yaml").write_text(text, encoding="utf-8")
    config, _ = dagster_instance_config(str(home))
    return dict(config)


@pytest.fixture
def postgres_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in POSTGRES_ENV.items():
        monkeypatch.setenv(name, value)


def embedded_instance(tmp_path: Path) -> dict:
    """The data directory's own instance (sozialmonitor/instance.py), which the deployments follow."""
    return yaml.safe_load(dagster_yaml(tmp_path))


@pytest.mark.parametrize("deployment", ["docker", "kubernetes"])
def test_the_instance_queues_one_run_on_postgres_and_monitors_it(
    tmp_path: Path, deployment: str, postgres_env: None
) -> None:
    config = instance_config(tmp_path, deployment)
    embedded = embedded_instance(tmp_path)
    assert config["run_coordinator"] == embedded["run_coordinator"]  # QueuedRunCoordinator, 1 at a time
    assert config["run_coordinator"]["config"]["max_concurrent_runs"] == 1
    assert config["run_retries"] == embedded["run_retries"]  # once, never after a failed step
    monitoring = dict(config["run_monitoring"])
    assert monitoring.pop("start_timeout_seconds") >= embedded["run_monitoring"]["start_timeout_seconds"]
    assert monitoring == {k: v for k, v in embedded["run_monitoring"].items() if k != "start_timeout_seconds"}
    # PostgreSQL coordinates resolved from the environment by dagster-postgres's own schema
    resolved = process_config(pg_config(), config["storage"]["postgres"])
    assert resolved.success, resolved.errors
    database = resolved.value["postgres_db"]
    assert (database["hostname"], database["port"]) == ("db.internal", 5433)
    assert database["password"] == "not-a-real-password"


def secret_fields(value: object, key: str = "", inside: bool = False) -> list[tuple[str, object]]:
    """Every leaf (its key, its value) at or below a key that names a password or secret."""
    inside = inside or bool(re.search("password|secret", key, re.IGNORECASE))
    if isinstance(value, dict):
        return [pair for name, item in value.items() for pair in secret_fields(item, str(name), inside)]
    if isinstance(value, list):
        return [pair for item in value for pair in secret_fields(item, key, inside)]
    return [(key, value)] if inside else []


def test_no_secret_is_written_in_the_files() -> None:
    """A password appears only as the name of a variable (`{env: …}`, `${…}`) or of a Kubernetes
    Secret, whose names here all start with `sozialmonitor-`."""
    files = [*DEPLOY.glob("*/dagster.yaml"), DEPLOY / "docker" / "compose.yaml"]
    found = []
    for path in files:
        for key, value in secret_fields(yaml.safe_load(path.read_text(encoding="utf-8"))):
            found.append(key)
            assert str(value).startswith(("sozialmonitor-", "${")) or key == "env", (path, key, value)
    # the two instances' passwords by variable, the launcher's Secret, compose's substitutions
    assert found.count("env") == 2 and "postgres_password_secret" in found and "POSTGRES_PASSWORD" in found


def test_the_docker_launcher_is_built_from_its_section(tmp_path: Path, postgres_env: None) -> None:
    """Constructing the launcher needs no Docker daemon (it connects when it launches a run)."""
    section = instance_config(tmp_path, "docker")["run_launcher"]
    launcher = ConfigurableClassData(
        section["module"], section["class"], yaml.safe_dump(section["config"])
    ).rehydrate(as_type=RunLauncher)
    assert isinstance(launcher, DockerRunLauncher)
    # it asks Docker about its run containers, so run monitoring sees a dead run without WatchedRunLauncher
    assert launcher.supports_check_run_worker_health
    assert launcher.networks == ["sozialmonitor"]
    assert {"SOZIALMONITOR_DATA_DIR", "SOZIALMONITOR_POSTGRES_PASSWORD"} <= set(launcher.env_vars)
    assert launcher.container_kwargs["volumes"] == ["sozialmonitor-data:/srv/sozialmonitor/data"]


def test_the_kubernetes_launcher_is_built_from_its_section(tmp_path: Path, postgres_env: None) -> None:
    """Outside a cluster the launcher reads a kubeconfig instead (it connects when it launches a run)."""
    section = instance_config(tmp_path, "kubernetes")["run_launcher"]
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "clusters": [{"name": "c", "cluster": {"server": "https://127.0.0.1:1"}}],
                "users": [{"name": "u", "user": {"token": "t"}}],
                "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
                "current-context": "x",
            }
        ),
        encoding="utf-8",
    )
    outside = {**section["config"], "load_incluster_config": False, "kubeconfig_file": str(kubeconfig)}
    launcher = ConfigurableClassData(section["module"], section["class"], yaml.safe_dump(outside)).rehydrate(
        as_type=RunLauncher
    )
    assert isinstance(launcher, K8sRunLauncher)
    assert launcher.supports_check_run_worker_health
    assert launcher.job_namespace == "sozialmonitor"
    assert launcher.image_pull_policy == "IfNotPresent"
    assert launcher.service_account_name == "sozialmonitor-run"
    assert launcher.postgres_password_secret == "sozialmonitor-postgresql"
    assert launcher.env_secrets == ["sozialmonitor-secrets"]
    # the section as written (in the cluster) passes the launcher's own schema too
    assert process_config(K8sRunLauncher.config_type(), section["config"]).success


@pytest.mark.parametrize(
    ("deployment", "edit", "field"),
    [
        ("docker", ("    networks:", "    netwroks:"), "netwroks"),
        ("kubernetes", ("    job_namespace:", "    job_namspace:"), "job_namspace"),
        ("kubernetes", ("    image_pull_policy:", "    image_pul_policy:"), "image_pul_policy"),
    ],
)
def test_a_misspelled_launcher_field_is_refused(
    tmp_path: Path, deployment: str, edit: tuple[str, str], field: str, postgres_env: None
) -> None:
    section = instance_config(tmp_path, deployment, edit)["run_launcher"]
    klass = {"docker": DockerRunLauncher, "kubernetes": K8sRunLauncher}[deployment]
    result = process_config(klass.config_type(), section["config"])
    assert not result.success
    assert any(field in error.message for error in result.errors)
    if deployment == "docker":  # the instance refuses to build it the same way
        with pytest.raises(DagsterInvalidConfigError, match=field):
            ConfigurableClassData(
                section["module"], section["class"], yaml.safe_dump(section["config"])
            ).rehydrate()


@pytest.mark.parametrize(
    "edit",
    [("run_monitoring:", "run_monitorng:"), ("      db_name:", "      db_nam:")],
)
def test_a_misspelled_instance_field_is_refused(tmp_path: Path, edit: tuple[str, str]) -> None:
    with pytest.raises(DagsterInvalidConfigError, match=edit[1].strip().rstrip(":")):
        instance_config(tmp_path, "docker", edit)


def test_the_image_copies_what_exists_and_installs_the_pinned_set() -> None:
    dockerfile = (DEPLOY / "docker" / "Dockerfile").read_text(encoding="utf-8")
    copied = [line.split()[1:-1] for line in dockerfile.splitlines() if line.startswith("COPY ")]
    sources = [source for sources in copied for source in sources]
    assert sources and all((PROJECT_ROOT / source).exists() for source in sources), sources
    packages = yaml.safe_load(  # the packages pyproject installs, each copied into the image
        "[" + re.search(r"include = \[(.*?)\]", (PROJECT_ROOT / "pyproject.toml").read_text()).group(1) + "]"
    )
    assert {package.rstrip("*") for package in packages} <= set(sources)
    assert "-c constraints.txt" in dockerfile


def test_the_docker_instance_opens_on_postgres(
    tmp_path: Path, postgres_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole instance of deploy/docker on a real PostgreSQL server: storage, queue, launcher."""
    monkeypatch.setenv("SOZIALMONITOR_POSTGRES_PASSWORD", "")  # the test server trusts its local users
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(DEPLOY / "docker" / "dagster.yaml", home / "dagster.yaml")
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert isinstance(instance.run_launcher, DockerRunLauncher)
        assert instance.run_coordinator.get_run_queue_config().max_concurrent_runs == 1
        assert instance.run_monitoring_enabled and instance.run_retries_max_retries == 1
        run = instance.add_run(dg.DagsterRun(job_name="nightly_refresh"))
        assert instance.get_run_by_id(run.run_id).job_name == "nightly_refresh"


def test_every_variable_the_docker_launcher_hands_over_is_set_for_the_daemon() -> None:
    """Dagster refuses to launch a run when a name in `env_vars` is not set in the daemon's environment
    (dagster._core.utils.parse_env_var): the compose sketch sets each (or the image does)."""
    env_vars = yaml.safe_load((DEPLOY / "docker" / "dagster.yaml").read_text())["run_launcher"]["config"]
    compose = yaml.safe_load((DEPLOY / "docker" / "compose.yaml").read_text())
    dockerfile = (DEPLOY / "docker" / "Dockerfile").read_text(encoding="utf-8")
    image_env = {line.split()[1].split("=")[0] for line in dockerfile.splitlines() if line.startswith("ENV ")}
    daemon = compose["services"]["daemon"]
    assert daemon["command"][:2] == ["dagster-daemon", "run"]
    assert set(env_vars["env_vars"]) <= set(daemon["environment"]) | image_env
