"""The server image without a Docker engine: the Dockerfile's build stage is
replayed on this machine (its COPY and RUN lines, literally, with /opt/hubnity
and /src mapped into a temporary root), then the resulting environment runs
the image's commands: `hubnity-server migrate`, the default CMD, and the
HEALTHCHECK command against it. The runtime stage's RUN (creating the user)
is not replayed: it would change this machine's accounts.
"""

from __future__ import annotations

import os
import shlex
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.deploy.conftest import ROOT
from tests.deploy.test_dockerfile import FINAL, STAGES, _context_copy, exec_form, instructions
from tests.support.services import (
    REDIS_URL,
    create_pg_database,
    drop_pg_database,
    require_redis,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]

MAPPED = ("/opt/hubnity", "/src", "/data")  # absolute paths the Dockerfile uses


class FakeRoot:
    def __init__(self, base: Path) -> None:
        self.base = base

    def path(self, absolute: str) -> Path:
        return self.base / absolute.lstrip("/")

    def map(self, text: str) -> str:
        for prefix in MAPPED:
            text = text.replace(prefix, str(self.path(prefix)))
        return text


def apply_env(args: str, env: dict[str, str], root: FakeRoot) -> None:
    for token in shlex.split(args):
        key, _, value = token.partition("=")
        value = value.replace("$PATH", env.get("PATH", ""))
        env[key] = root.map(value)


def copy_into(context: Path, sources: list[str], dest: Path) -> None:
    """Docker COPY: a file lands in dest/ (or as dest); a directory's contents go into dest."""
    into_dir = len(sources) > 1 or str(dest).endswith("/")
    for source in sources:
        src = context / source
        if src.is_dir():
            shutil.copytree(src, dest, dirs_exist_ok=True)
        else:
            target = dest / src.name if into_dir or dest.is_dir() else dest
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target)


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FakeRoot, dict[str, str]]]:
    base = tmp_path_factory.mktemp("image")
    context = base / "context"
    _context_copy(context)
    root = FakeRoot(base / "root")
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(base / "home"),
        "PIP_CACHE_DIR": os.environ.get("PIP_CACHE_DIR", str(Path.home() / ".cache" / "pip")),
    }
    build = STAGES[1]
    assert build[0][0] == "FROM" and build[0][1].endswith("AS build")
    workdir = root.path("/")
    workdir.mkdir(parents=True)
    for keyword, args in build[1:]:
        if keyword == "ENV":
            apply_env(args, env, root)
        elif keyword == "WORKDIR":
            workdir = root.path(args)
            workdir.mkdir(parents=True, exist_ok=True)
        elif keyword == "COPY":
            *sources, dest = shlex.split(args)
            target = Path(root.map(dest)) if dest.startswith("/") else workdir / dest
            copy_into(context, sources, Path(str(target) + ("/" if dest.endswith("/") else "")))
        elif keyword == "RUN":
            result = subprocess.run(["sh", "-ec", root.map(args)], cwd=workdir, env=env,
                                    capture_output=True, text=True, timeout=900)
            assert result.returncode == 0, f"RUN {args}\n{result.stdout}\n{result.stderr}"[-4000:]
        else:
            pytest.fail(f"build stage: {keyword} is not emulated; extend this test")
    runtime_env = dict(env)
    for args in instructions(FINAL, "ENV"):
        apply_env(args, runtime_env, root)
    root.path("/data").mkdir(parents=True, exist_ok=True)
    yield root, runtime_env
    shutil.rmtree(base, ignore_errors=True)  # a few hundred MB of virtualenv


def test_build_stage_leaves_a_venv_with_both_entry_points(image):
    root, env = image
    bin_dir = root.path("/opt/hubnity/bin")
    for script in ("hubnity-server", "hubnity-worker"):
        assert (bin_dir / script).is_file(), script
    # A regular install of the real package (not the dependency-layer stub, not the
    # source tree): real modules, migrations and the worker's dependencies.
    check = subprocess.run(
        [str(bin_dir / "python"), "-c",
         "import server.cli, server.jobs.worker_cli, arq, asyncpg, boto3, shared.version;"
         "import importlib.resources as r;"
         "print(any(r.files('server').joinpath('db/migrations/versions').iterdir()));"
         "print(server.cli.__file__)"],
        env=env, cwd=root.path("/data"), capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stderr
    has_migrations, cli_file = check.stdout.split()
    assert has_migrations == "True"
    assert cli_file.startswith(str(root.path("/opt/hubnity/lib"))), cli_file
    assert Path(cli_file).read_text() == (ROOT / "server" / "cli.py").read_text()
    version = subprocess.run(["hubnity-server", "--version"], env=env, capture_output=True,
                             text=True, timeout=60)
    from shared.version import __version__

    assert version.stdout.strip() == __version__


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.postgres
@pytest.mark.redis
def test_migrate_serve_healthchecks_and_worker_on_postgres_and_redis(image, tmp_path: Path):
    """The compose roles, in order, from the replayed image: migrate, server, worker."""
    require_redis()
    root, image_env = image
    name, database_url = create_pg_database("hubnity_image")
    env = dict(
        image_env,
        DATABASE_URL=database_url,
        REDIS_URL=REDIS_URL,
        REDIS_PREFIX=f"hubnity-image-{uuid.uuid4().hex[:8]}:",
        JWT_SECRET="image-test-secret-image-test-secret-0123",
        HUBNITY_PORT=str(_free_port()),
    )
    assert env["HUBNITY_ENV"] == "production", "the image's own default"
    cwd = root.path("/data")
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    try:
        migrate = subprocess.run(compose["services"]["migrate"]["command"], env=env, cwd=cwd,
                                 capture_output=True, text=True, timeout=300)
        assert migrate.returncode == 0, migrate.stderr
        (cmd,) = [exec_form(args) for args in instructions(FINAL, "CMD")]
        log = (tmp_path / "server.log").open("w")
        server = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
        try:
            (check,) = instructions(FINAL, "HEALTHCHECK")
            image_check = exec_form(check.partition("CMD ")[2])  # /health
            # compose.yaml's server check (/ready: database, storage, queue), on this port.
            compose_check = [a.replace("8000", env["HUBNITY_PORT"])
                             for a in compose["services"]["server"]["healthcheck"]["test"][1:]]
            for argv in (image_check, compose_check):
                deadline = time.monotonic() + 60
                while True:
                    assert server.poll() is None, (tmp_path / "server.log").read_text()[-3000:]
                    result = subprocess.run(argv, env=env, cwd=cwd, capture_output=True,
                                            timeout=30)
                    if result.returncode == 0:
                        break
                    assert time.monotonic() < deadline, result.stderr.decode()[-2000:]
                    time.sleep(0.5)
            # The same command fails when nothing answers, so the success above means something.
            dead = subprocess.run(image_check, env=dict(env, HUBNITY_PORT=str(_free_port())),
                                  cwd=cwd, capture_output=True, timeout=30)
            assert dead.returncode != 0
        finally:
            server.terminate()
            server.wait(30)
            log.close()
        worker = subprocess.run([*compose["services"]["worker"]["command"], "--burst"], env=env,
                                cwd=cwd, capture_output=True, text=True, timeout=300)
        assert worker.returncode == 0, worker.stderr[-3000:]
    finally:
        drop_pg_database(name)
