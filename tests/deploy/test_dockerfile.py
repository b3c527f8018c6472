"""installers/Dockerfile, checked statically (no Docker engine on this machine)."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.deploy.conftest import ROOT, assert_console_script, pyproject, server_env_names

DOCKERFILE = ROOT / "installers" / "Dockerfile"


def parse_dockerfile(text: str) -> list[list[tuple[str, str]]]:
    """Stages of (INSTRUCTION, arguments), continuation lines joined, comments dropped."""
    stages: list[list[tuple[str, str]]] = [[]]  # stage 0 holds ARGs before the first FROM
    logical = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not logical and (not line or line.startswith("#")):
            continue
        if logical and line.startswith("#"):
            continue  # comment inside a continued instruction
        if line.endswith("\\"):
            logical += line[:-1].rstrip() + " "
            continue
        logical += line
        keyword, _, args = logical.strip().partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            stages.append([])
        stages[-1].append((keyword, args.strip()))
        logical = ""
    assert not logical, "Dockerfile ends inside a continued line"
    return stages


def exec_form(args: str) -> list[str]:
    parsed = json.loads(args)
    assert isinstance(parsed, list), args
    return parsed


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


STAGES = parse_dockerfile(DOCKERFILE.read_text())
FINAL = STAGES[-1]


def instructions(stage: list[tuple[str, str]], keyword: str) -> list[str]:
    return [args for kw, args in stage if kw == keyword]


def test_parser_and_ignore_rules_on_known_cases():
    stages = parse_dockerfile("ARG X=1\nFROM a AS b\nRUN one \\\n  # note\n  two\nFROM c\nUSER 1\n")
    assert stages == [[("ARG", "X=1")], [("FROM", "a AS b"), ("RUN", "one two")],
                      [("FROM", "c"), ("USER", "1")]]
    rules = ["*", "!server/", "**/__pycache__"]
    assert dockerignore_excludes(".venv/bin/python", rules)
    assert not dockerignore_excludes("server/cli.py", rules)
    assert dockerignore_excludes("server/db/__pycache__/x.pyc", rules)


def test_multi_stage_build_on_slim_python():
    assert len(STAGES) == 3, "expected ARG prelude, a build stage and a runtime stage"
    base = instructions(STAGES[0], "ARG")[0]
    assert re.fullmatch(r"PYTHON_IMAGE=python:3\.1[1-9]-slim(-\w+)?", base), base
    assert instructions(FINAL, "FROM")[0].split()[0] == "${PYTHON_IMAGE}"


def test_runtime_user_is_not_root():
    users = instructions(FINAL, "USER")
    assert users, "the runtime stage never switches user"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0"), users
    assert user.isdigit() and int(user) >= 1000, "numeric uid (Kubernetes runAsNonRoot checks it)"
    useradd = " ".join(instructions(FINAL, "RUN"))
    assert f"--uid {user}" in useradd, "the runtime user is created with that uid"


def test_healthcheck_requests_the_health_endpoint():
    checks = instructions(FINAL, "HEALTHCHECK")
    assert len(checks) == 1
    options, _, command = checks[0].partition("CMD ")
    assert "--interval=" in options and "--timeout=" in options
    argv = exec_form(command)
    assert argv[0] == "python" and "/health" in argv[-1]
    # The server actually routes /health.
    routes = "\n".join(p.read_text() for p in (ROOT / "server").rglob("*.py"))
    assert re.search(r"""["']/health["']""", routes), "server/ defines no /health route"


def test_default_command_and_worker_are_console_scripts():
    cmd = exec_form(instructions(FINAL, "CMD")[-1])
    assert cmd == ["hubnity-server"]
    assert not instructions(FINAL, "ENTRYPOINT"), "an ENTRYPOINT would break `... hubnity-worker`"
    for script in ("hubnity-server", "hubnity-worker"):
        assert_console_script(script)
    path_env = " ".join(instructions(FINAL, "ENV"))
    assert "PATH=/opt/hubnity/bin:$PATH" in path_env, "console scripts are on PATH"


def test_environment_names_are_server_settings():
    env_line = " ".join(instructions(FINAL, "ENV"))
    names = {tok.split("=", 1)[0] for tok in shlex.split(env_line) if "=" in tok}
    hubnity = {n for n in names if n.startswith("HUBNITY_")}
    assert hubnity == {"HUBNITY_ENV", "HUBNITY_DATA_DIR", "HUBNITY_HOST", "HUBNITY_PORT"}
    assert hubnity <= server_env_names(), hubnity - server_env_names()
    assert "HUBNITY_HOST=0.0.0.0" in env_line, "bound to loopback the container is unreachable"


def test_copy_sources_exist_and_are_in_the_build_context():
    patterns = dockerignore_patterns()
    copies = [args for stage in STAGES for args in instructions(stage, "COPY")]
    local = [c for c in copies if not c.startswith("--from")]
    assert local, "no COPY from the build context"
    for copy in local:
        *sources, _dest = shlex.split(copy)
        for source in sources:
            path = ROOT / source
            assert path.exists(), f"COPY {source}: missing in the repository"
            assert not dockerignore_excludes(source, patterns), f"COPY {source}: in .dockerignore"
    from_stage = [c for c in copies if c.startswith("--from")]
    stage_names = {args.split()[-1] for stage in STAGES for args in instructions(stage, "FROM")}
    for copy in from_stage:
        assert copy.split()[0].removeprefix("--from=") in stage_names


def test_installs_the_server_extra():
    runs = " ".join(instructions(STAGES[1], "RUN"))
    assert '".[server]"' in runs
    assert "server" in pyproject()["project"]["optional-dependencies"]


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
