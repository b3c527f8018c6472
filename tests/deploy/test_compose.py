"""compose.yaml, checked statically: schema, wiring, and the server's own settings loader."""

from __future__ import annotations

import importlib.resources
import json
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.deploy.conftest import (
    INSTALLERS,
    PRODUCTION_ENV,
    ROOT,
    assert_console_script,
    compose_variables,
    interpolate,
    load_server_settings,
    server_env_names,
)

COMPOSE_TEXT = (ROOT / "compose.yaml").read_text()
COMPOSE = yaml.safe_load(COMPOSE_TEXT)
SERVICES = COMPOSE["services"]
HUBNITY = ("migrate", "server", "worker")  # services that run the project's image


def compose_schema() -> dict:
    # The Compose Specification schema, as vendored by check-jsonschema (dev extra).
    files = importlib.resources.files("check_jsonschema.builtin_schemas.vendor")
    return json.loads(files.joinpath("compose-spec.json").read_text())


def test_valid_against_the_compose_specification():
    validator = jsonschema.Draft202012Validator(compose_schema())
    errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(COMPOSE)]
    assert errors == []
    broken = json.loads(json.dumps(COMPOSE))
    broken["services"]["server"]["depends_on"]["migrate"]["condition"] = "service_finished"
    assert list(validator.iter_errors(broken)), "the schema check catches a bad condition"


def test_the_stack_has_every_part():
    assert set(SERVICES) == {"postgres", "redis", "minio", "minio-init", "migrate", "server",
                             "worker", "mailpit"}
    # The mail catcher is for developers: only `--profile dev` starts it.
    assert SERVICES["mailpit"]["profiles"] == ["dev"]
    assert all("profiles" not in SERVICES[s] for s in SERVICES if s != "mailpit")


def test_stateful_services_keep_data_in_named_volumes():
    mounts = {
        "postgres": "/var/lib/postgresql/data",
        "redis": "/data",
        "minio": "/data",
        "server": "/data",
    }
    for service, target in mounts.items():
        volumes = [v.split(":") for v in SERVICES[service]["volumes"]]
        assert [target] == [v[1] for v in volumes if v[1] == target], service
        for source, _ in volumes:
            assert source in COMPOSE["volumes"], f"{service}: volume {source} not declared"
    assert "--appendonly" in SERVICES["redis"]["command"], "queued jobs survive a restart"


def test_healthchecks_and_start_order():
    def condition(service: str, dependency: str) -> str:
        return SERVICES[service]["depends_on"][dependency]["condition"]

    for service in ("postgres", "redis", "minio", "server"):
        assert SERVICES[service]["healthcheck"]["test"], service
    for service in ("server", "worker"):
        assert condition(service, "migrate") == "service_completed_successfully"
        assert condition(service, "redis") == "service_healthy"
        assert condition(service, "minio-init") == "service_completed_successfully"
    assert condition("migrate", "postgres") == "service_healthy"
    assert condition("minio-init", "minio") == "service_healthy"
    # Every `service_healthy` dependency really has a healthcheck.
    for name, service in SERVICES.items():
        for dep, spec in (service.get("depends_on") or {}).items():
            if spec["condition"] == "service_healthy":
                assert not SERVICES[dep].get("healthcheck", {}).get("disable"), (name, dep)
    for one_shot in ("migrate", "minio-init"):
        assert SERVICES[one_shot]["restart"] == "no"
    assert "/ready" in " ".join(SERVICES["server"]["healthcheck"]["test"])


def test_project_services_use_the_repository_image_and_console_scripts():
    for name in HUBNITY:
        service = SERVICES[name]
        build = service["build"]
        assert (ROOT / build["context"] / build["dockerfile"]).is_file(), name
        assert service["image"] == SERVICES["server"]["image"], "one image for all three"
        assert_console_script(service["command"][0])
    assert SERVICES["migrate"]["command"] == ["hubnity-server", "migrate"]
    assert SERVICES["server"]["command"] == ["hubnity-server"]
    assert SERVICES["worker"]["command"] == ["hubnity-worker"]


def test_migrate_is_a_subcommand_of_the_server_cli():
    result = subprocess.run(
        [sys.executable, "-c", "import sys; from server.cli import main; sys.exit(main(['--help']))"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "migrate" in result.stdout


def test_environment_names_are_read_by_the_server():
    for name in HUBNITY:
        env = SERVICES[name]["environment"]
        unknown = set(env) - server_env_names()
        assert not unknown, f"{name}: the server reads no {sorted(unknown)}"
        missing = set(PRODUCTION_ENV) - set(env)
        assert not missing, f"{name}: production variables not set: {sorted(missing)}"
    assert SERVICES["server"]["environment"]["HUBNITY_ENV"] == "production"


def test_minio_bucket_is_created_from_the_same_variables():
    script = " ".join(SERVICES["minio-init"]["command"])
    assert "mc mb --ignore-existing" in script and "$$S3_BUCKET" in script
    init_env = SERVICES["minio-init"]["environment"]
    server_env = SERVICES["server"]["environment"]
    assert init_env["S3_BUCKET"] == server_env["S3_BUCKET"]
    assert server_env["S3_ENDPOINT"] == "http://minio:9000"
    assert server_env["S3_ACCESS_KEY"] == SERVICES["minio"]["environment"]["MINIO_ROOT_USER"]
    assert server_env["S3_SECRET_KEY"] == SERVICES["minio"]["environment"]["MINIO_ROOT_PASSWORD"]


def generated_env(tmp_path: Path) -> dict[str, str]:
    target = tmp_path / ".env"
    result = subprocess.run(
        ["sh", str(INSTALLERS / "compose-env.sh"), str(target)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert oct(target.stat().st_mode & 0o777) == "0o600", "secrets file is private"
    pairs = [ln.split("=", 1) for ln in target.read_text().splitlines()
             if ln and not ln.startswith("#")]
    return dict(pairs)


def test_env_generator_fills_every_required_variable_and_never_overwrites(tmp_path: Path):
    env = generated_env(tmp_path)
    required = {name for name, op, _ in compose_variables(COMPOSE_TEXT) if op in (":?", "?")}
    assert required == {"JWT_SECRET", "POSTGRES_PASSWORD", "MINIO_ROOT_PASSWORD"}
    assert required <= set(env)
    assert len(env["JWT_SECRET"]) >= 32
    assert env["POSTGRES_PASSWORD"] != env["MINIO_ROOT_PASSWORD"]
    before = (tmp_path / ".env").read_text()
    subprocess.run(["sh", str(INSTALLERS / "compose-env.sh"), str(tmp_path / ".env")], check=True)
    assert (tmp_path / ".env").read_text() == before
    example = (INSTALLERS / "compose.env.example").read_text()
    for name in required:
        assert f"\n{name}=" in example, f"{name} missing from compose.env.example"


def test_without_secrets_compose_refuses_to_start():
    with pytest.raises(KeyError, match="JWT_SECRET"):
        interpolate(SERVICES["server"]["environment"]["JWT_SECRET"], {})


@pytest.mark.parametrize("service", HUBNITY)
def test_the_server_accepts_the_interpolated_environment(service: str, tmp_path: Path):
    """What the container gets, fed to the real settings loader."""
    dotenv = generated_env(tmp_path)
    env = {k: interpolate(str(v), dotenv) for k, v in SERVICES[service]["environment"].items()}
    env["HUBNITY_DATA_DIR"] = str(tmp_path / "data")  # /data inside the container
    settings = load_server_settings(env)
    assert "error" not in settings, settings
    assert settings["env"] == "production"
    assert settings["db"] == (
        f"postgresql+asyncpg://hubnity:{dotenv['POSTGRES_PASSWORD']}@postgres:5432/hubnity"
    )
    assert settings["redis"] == "redis://redis:6379/0"
    assert settings["uses_s3"] is True
    assert settings["body_limit"] == 50 * 1024 * 1024
    assert (settings["host"], settings["port"]) == ("0.0.0.0", 8000)


def test_every_compose_variable_is_documented_in_the_example_env():
    example = (INSTALLERS / "compose.env.example").read_text()
    documented = set(re.findall(r"^#?([A-Z][A-Z0-9_]+)=", example, flags=re.MULTILINE))
    used = {name for name, _, _ in compose_variables(COMPOSE_TEXT)}
    assert used, "compose.yaml uses no variables?"
    assert not used - documented, f"not in compose.env.example: {sorted(used - documented)}"
    assert not documented - used, f"documented but unused: {sorted(documented - used)}"
