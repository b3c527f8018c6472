"""Helpers for the deployment tests: paths, pyproject facts, the project's settings.

Everything here is static (files in the repository); the one slow test that
builds real artifacts is tests/deploy/test_agent_bundle.py.
"""

from __future__ import annotations

import ast
import functools
import re
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
INSTALLERS = ROOT / "installers"
KUBERNETES = INSTALLERS / "kubernetes"

# The variables a production deployment sets (README, "Configuration").
PRODUCTION_ENV = [
    "DATABASE_URL", "REDIS_URL", "JWT_SECRET", "HUBNITY_ENV", "S3_ENDPOINT", "S3_BUCKET",
    "S3_ACCESS_KEY", "S3_SECRET_KEY", "S3_REGION", "BODY_SIZE_LIMIT", "SYNC_RATE_LIMIT",
    "LOGIN_RATE_LIMIT", "SCREENSHOT_MAX_BYTES", "HUBNITY_DATA_DIR", "HUBNITY_HOST",
    "HUBNITY_PORT", "ALLOW_REGISTRATION",
]


@functools.cache
def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def console_scripts() -> dict[str, str]:
    return pyproject()["project"]["scripts"]


def assert_console_script(name: str) -> None:
    """`name` is a console script of the distribution whose target function exists."""
    scripts = console_scripts()
    assert name in scripts, f"{name!r} is not a console script in pyproject.toml ({sorted(scripts)})"
    module, _, func = scripts[name].partition(":")
    path = ROOT / Path(*module.split("."))
    source = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    assert source.exists(), f"{name} → {scripts[name]}: {source.relative_to(ROOT)} is missing"
    tree = ast.parse(source.read_text())
    defined = {n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}
    defined |= {
        alias.asname or alias.name
        for n in tree.body
        if isinstance(n, ast.ImportFrom)
        for alias in n.names
    }
    assert func in defined, f"{name} → {scripts[name]}: no {func}() in {source.relative_to(ROOT)}"


# Read by uvicorn (the server's HTTP layer), not by server/ itself.
UVICORN_ENV = frozenset({"FORWARDED_ALLOW_IPS"})


@functools.cache
def server_env_names() -> frozenset[str]:
    """Every UPPER_CASE string literal in server/ (the environment variables it
    reads), plus the ones uvicorn reads."""
    names: set[str] = set(UVICORN_ENV)
    for path in (ROOT / "server").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if re.fullmatch(r"[A-Z][A-Z0-9_]{2,}", node.value):
                    names.add(node.value)
    return frozenset(names)


_VAR = re.compile(r"\$\$|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose-file interpolation: ${V}, ${V:-default}, ${V-default}, ${V:?error}, $$."""

    def replace(m: re.Match[str]) -> str:
        if m.group(0) == "$$":
            return "$"
        name, op, arg = m.group("name"), m.group("op"), m.group("arg")
        current = env.get(name)
        if op == ":-":
            return current if current else arg
        if op == "-":
            return current if current is not None else arg
        if op in (":?", "?") and not current:
            raise KeyError(f"{name}: {arg}")
        return current or ""

    return _VAR.sub(replace, value)


def compose_variables(text: str) -> list[tuple[str, str | None, str | None]]:
    """(name, operator, argument) of every ${...} in a compose file."""
    return [(m.group("name"), m.group("op"), m.group("arg"))
            for m in _VAR.finditer(text) if m.group("name")]


def load_server_settings(env: dict[str, str]) -> dict[str, Any]:
    """Run the server's real settings loader on exactly `env` (in a clean subprocess).

    Returns a few resolved facts, or {"error": message} when the loader refuses.
    """
    import json
    import os
    import subprocess
    import sys

    script = (
        "import json\n"
        "from server.runtime.config import ConfigError, load_settings\n"
        "try:\n"
        "    s = load_settings()\n"
        "except ConfigError as exc:\n"
        "    print(json.dumps({'error': str(exc)}))\n"
        "else:\n"
        "    print(json.dumps({'env': s.env, 'db': s.database.url, 'redis': s.redis.url,\n"
        "        'uses_s3': s.storage.uses_s3, 'body_limit': s.limits.upload,\n"
        "        'host': s.server.host, 'port': s.server.port}))\n"
    )
    clean = {"PATH": os.environ.get("PATH", ""), **env}
    result = subprocess.run(
        [sys.executable, "-c", script], env=clean, cwd=ROOT, capture_output=True, text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])
