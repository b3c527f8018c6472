"""installers/Dockerfile: what the image promises, and its command run for real.

There is no Docker engine here. The Dockerfile is parsed with dockerfile-parse;
the runtime stage's command line then runs unchanged as a real process with
the image's ENV (its virtualenv /opt/hubnity mapped to this one, /data to a
temporary directory), and the image's own HEALTHCHECK command must pass
against it.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import zipfile
from pathlib import Path

import httpx
import pytest
from dockerfile_parse import DockerfileParser

from tests.deploy.conftest import (
    ROOT,
    assert_console_script,
    load_server_settings,
    pyproject,
    server_env_names,
)
from tests.support.process import VENV_BIN, free_port, serve

DOCKERFILE = ROOT / "installers" / "Dockerfile"
IMAGE_VENV = "/opt/hubnity"  # the build stage's virtualenv, copied into the runtime stage
IMAGE_DATA = "/data"
JWT_SECRET = "image-test-secret-image-test-secret-0123"

PARSER = DockerfileParser(path=str(DOCKERFILE))


def stages() -> list[list[tuple[str, str]]]:
    """(INSTRUCTION, value) per stage; stage 0 holds what precedes the first FROM."""
    result: list[list[tuple[str, str]]] = [[]]
    for item in PARSER.structure:
        if item["instruction"] == "COMMENT":
            continue
        if item["instruction"] == "FROM":
            result.append([])
        result[-1].append((item["instruction"], item["value"]))
    return result


STAGES = stages()
BUILD, FINAL = STAGES[1], STAGES[-1]


def instructions(stage: list[tuple[str, str]], keyword: str) -> list[str]:
    return [value for kw, value in stage if kw == keyword]


def exec_form(value: str) -> list[str]:
    parsed = json.loads(value)
    assert isinstance(parsed, list) and all(isinstance(a, str) for a in parsed), value
    return parsed


def image_env() -> dict[str, str]:
    """The runtime stage's ENV (dockerfile-parse resolves ENV and ARG per stage)."""
    return dict(PARSER.envs)


def image_cmd() -> list[str]:
    (cmd,) = instructions(FINAL, "CMD")
    return exec_form(cmd)


def image_healthcheck() -> tuple[str, list[str]]:
    (check,) = instructions(FINAL, "HEALTHCHECK")
    options, _, command = check.partition("CMD ")
    return options, exec_form(command.strip())


def image_user() -> str:
    return instructions(FINAL, "USER")[-1]


def exposed_ports() -> list[int]:
    ports = [p for value in instructions(FINAL, "EXPOSE") for p in value.split()]
    return [int(p.split("/")[0]) for p in ports]


def local_env(tmp: Path, **extra: str) -> dict[str, str]:
    """The image's ENV on this machine: its virtualenv is ours, /data is `tmp`."""
    env = image_env()
    assert env["PATH"].split(":")[0] == f"{IMAGE_VENV}/bin", "console scripts come first on PATH"
    assert env["HUBNITY_DATA_DIR"] == IMAGE_DATA
    env["PATH"] = f"{VENV_BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}"
    env["HUBNITY_DATA_DIR"] = str(tmp)
    return {**env, **extra}


# --- what the image promises ---------------------------------------------------------


def test_multi_stage_build_on_slim_python():
    assert len(STAGES) == 3, "expected ARG prelude, a build stage and a runtime stage"
    base = instructions(STAGES[0], "ARG")[0]
    assert re.fullmatch(r"PYTHON_IMAGE=python:3\.1[1-9]-slim(-\w+)?", base), base
    assert instructions(BUILD, "FROM")[0] == "${PYTHON_IMAGE} AS build"
    assert instructions(FINAL, "FROM")[0].split()[0] == "${PYTHON_IMAGE}"
    assert f"--from=build {IMAGE_VENV} {IMAGE_VENV}" in instructions(FINAL, "COPY")


def test_runs_the_server_console_script_by_default():
    assert image_cmd() == ["hubnity-server"]
    assert not instructions(FINAL, "ENTRYPOINT"), "an ENTRYPOINT would break `... hubnity-worker`"
    for script in ("hubnity-server", "hubnity-worker"):
        assert_console_script(script)


def test_runtime_user_is_not_root():
    user, _, group = image_user().partition(":")
    assert user not in ("root", "0") and group not in ("root", "0"), image_user()
    assert user.isdigit() and int(user) >= 1000, "numeric uid (Kubernetes runAsNonRoot checks it)"
    useradd = " ".join(instructions(FINAL, "RUN"))
    assert f"--uid {user}" in useradd, "the runtime user is created with that uid"
    assert re.search(rf"chown \S+ {IMAGE_DATA}\b", useradd), "the user owns the data dir"
    assert instructions(FINAL, "WORKDIR")[-1] == IMAGE_DATA


def test_exposes_the_port_the_server_listens_on(tmp_path: Path):
    env = image_env()
    assert env["HUBNITY_HOST"] == "0.0.0.0", "bound to loopback the container is unreachable"
    # The server's own settings loader, on exactly the image's environment.
    settings = load_server_settings(
        {k: v for k, v in local_env(tmp_path, JWT_SECRET=JWT_SECRET).items() if k != "PATH"})
    assert "error" not in settings, settings
    assert settings["env"] == "production", "the image's own default"
    assert exposed_ports() == [settings["port"]]
    assert settings["host"] == "0.0.0.0"


def test_environment_names_are_server_settings():
    hubnity = {n for n in image_env() if n.startswith("HUBNITY_")}
    assert hubnity == {"HUBNITY_ENV", "HUBNITY_DATA_DIR", "HUBNITY_HOST", "HUBNITY_PORT"}
    assert hubnity <= server_env_names(), hubnity - server_env_names()


def test_healthcheck_requests_the_health_endpoint():
    options, argv = image_healthcheck()
    assert "--interval=" in options and "--timeout=" in options
    assert argv[0] == "python", "no curl in the slim image"
    assert "/health" in argv[-1]


def test_installs_the_server_extra():
    runs = " ".join(instructions(BUILD, "RUN"))
    assert '".[server]"' in runs
    assert "server" in pyproject()["project"]["optional-dependencies"]


# --- the image's command, run for real -----------------------------------------------


def test_the_images_command_serves_health_and_passes_its_healthcheck(tmp_path: Path):
    """`hubnity-server migrate` (the documented first step), then the CMD exactly as
    the image runs it, with the image's ENV plus the one secret production needs."""
    port = free_port()
    env = local_env(tmp_path, JWT_SECRET=JWT_SECRET, HUBNITY_PORT=str(port))
    migrate = subprocess.run(["hubnity-server", "migrate"], env=env, cwd=tmp_path,
                             capture_output=True, text=True, timeout=300)
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr
    _options, check = image_healthcheck()
    with serve(image_cmd(), env, port, tmp_path / "server.log", cwd=tmp_path) as server:
        response = httpx.get(f"{server.url}/health", timeout=5)
        assert response.status_code == 200 and response.json() == {"status": "ok"}
        healthy = subprocess.run(check, env=env, cwd=tmp_path, capture_output=True, text=True,
                                 timeout=30)
        assert healthy.returncode == 0, healthy.stderr
    # The same check fails when nothing answers, so the pass above means something.
    dead = subprocess.run(check, env=env, cwd=tmp_path, capture_output=True, timeout=30)
    assert dead.returncode != 0


def test_production_image_refuses_to_start_without_jwt_secret(tmp_path: Path):
    port = free_port()
    env = local_env(tmp_path, HUBNITY_PORT=str(port))
    result = subprocess.run(image_cmd(), env=env, cwd=tmp_path, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode != 0
    assert "JWT_SECRET" in result.stdout + result.stderr


# --- the build context ---------------------------------------------------------------


def dockerignore_excludes(path: str, patterns: list[str]) -> bool:
    """Docker's rules: last matching pattern wins, `!` re-includes, a dir match covers its files."""

    def to_regex(pattern: str) -> re.Pattern[str]:
        out = ""
        i = 0
        while i < len(pattern):
            if pattern.startswith("**/", i):
                out += "(?:.*/)?"
                i += 3
            elif pattern.startswith("**", i):
                out += ".*"
                i += 2
            elif pattern[i] == "*":
                out += "[^/]*"
                i += 1
            elif pattern[i] == "?":
                out += "[^/]"
                i += 1
            else:
                out += re.escape(pattern[i])
                i += 1
        return re.compile(out + "$")

    parts = path.strip("/").split("/")
    candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    excluded = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        regex = to_regex(pattern.lstrip("!").strip("/"))
        if any(regex.match(c) for c in candidates):
            excluded = not negate
    return excluded


def dockerignore_patterns() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.strip().startswith("#")]


def test_ignore_rules_on_known_cases():
    rules = ["*", "!server/", "**/__pycache__"]
    assert dockerignore_excludes(".venv/bin/python", rules)
    assert not dockerignore_excludes("server/cli.py", rules)
    assert dockerignore_excludes("server/db/__pycache__/x.pyc", rules)


def test_copy_sources_exist_and_are_in_the_build_context():
    patterns = dockerignore_patterns()
    copies = [value for stage in STAGES for value in instructions(stage, "COPY")]
    local = [c for c in copies if not c.startswith("--from")]
    assert local, "no COPY from the build context"
    for copy in local:
        *sources, _dest = shlex.split(copy)
        for source in sources:
            assert (ROOT / source).exists(), f"COPY {source}: missing in the repository"
            assert not dockerignore_excludes(source, patterns), f"COPY {source}: in .dockerignore"
    stage_names = {value.split()[-1] for stage in STAGES for value in instructions(stage, "FROM")}
    for copy in (c for c in copies if c.startswith("--from")):
        assert copy.split()[0].removeprefix("--from=") in stage_names


def _context_copy(dest: Path) -> None:
    """What `docker build .` sends: every file not excluded by .dockerignore."""
    patterns = dockerignore_patterns()
    for path in ROOT.rglob("*"):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith((".git/", ".venv/")) or not path.is_file():
            continue
        if not dockerignore_excludes(rel, patterns):
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())


def test_package_builds_from_the_docker_context(tmp_path: Path):
    """The image's `pip install .` step, on exactly the files the context holds."""
    context = tmp_path / "context"
    _context_copy(context)
    assert not (context / "agent").exists() and not (context / "tests").exists()
    result = subprocess.run(
        # Isolated build, as in the image (fetches setuptools/wheel from PyPI, or pip's cache).
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet",
         "-w", str(tmp_path / "wheels"), str(context)],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    (wheel,) = (tmp_path / "wheels").glob("hubnity-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        entry_points = next(zf.read(n).decode() for n in names if n.endswith("entry_points.txt"))
    assert "server/cli.py" in names and "shared/version.py" in names
    assert any(n.startswith("server/db/migrations/versions/") for n in names), "migrations"
    assert "hubnity-server = server.cli:main" in entry_points
    assert "hubnity-worker = " in entry_points


@pytest.mark.parametrize("forbidden", [".venv", ".git", "tests", "agent", "build", ".env"])
def test_dockerignore_keeps_local_state_out(forbidden: str):
    assert dockerignore_excludes(forbidden + "/x", dockerignore_patterns())
