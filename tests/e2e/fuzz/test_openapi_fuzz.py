"""Schemathesis over the whole OpenAPI document, against a real server process,
signed in as a MEMBER and then as an OWNER, on SQLite and PostgreSQL: every
check (`--checks all`) and zero failures — the document is what clients and
generators trust, so a status code, a body or a constraint it does not state
is a failure here (docs/api.md, "OpenAPI document").

Bounded to a few minutes per database: few examples per operation, no
shrinking, one worker. Path ids are the real objects created below, so the
fuzzer reaches the handlers behind them instead of only their 404s.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import TEST_ENV
from tests.support.api import Account, invite, register
from tests.support.process import VENV_BIN, run_server
from tests.support.services import create_pg_database, drop_pg_database

# Two roles, a few minutes each: well past the suite's default per-test timeout.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(2400)]

MAX_EXAMPLES = "6"
ROOT = Path(__file__).resolve().parents[3]
# Keeps generated from/to date pairs in order (a rule between two parameters).
HOOKS = Path(__file__).with_name("schemathesis_hooks.py")

# Operations not fuzzed at all, and why.
EXCLUDED = {
    # Authorized by their own short-lived signature (`exp` + `sig` query), not
    # by the token: every generated request is a 403 by design; the signing is
    # tested in tests/integration/screenshots and tests/integration/rights.
    "/api/v1/screenshots/{shot_id}/blob": "signed read link",
    "/api/v1/sync/screenshots/upload/{shot_id}": "signed upload link",
    "/api/v1/rights-jobs/{job_id}/download": "signed download link",
    # Ends the very session the run is signed in with.
    "/api/v1/auth/logout": "revokes the run's own token",
}

# Checks that do not apply to one operation, and why.
EXEMPT_CHECKS = [
    # DELETE archives these (their names stay in reports of billed time), so
    # the object is still readable afterwards, marked archived.
    *(
        (path, "DELETE", "use_after_free", "DELETE archives; the object stays readable")
        for path in (
            "/api/v1/customers/{customer_id}",
            "/api/v1/activities/{activity_id}",
            "/api/v1/projects/{project_id}",
        )
    ),
]


# Schema-valid requests the code refuses for a reason no schema can state: a
# secret it checks (a password, a one-time token, a confirmation), the state
# of the organization, or a syntax no JSON Schema dialect states. Their 400s
# are right; only the "schema-valid request accepted" check is off for them.
SECRETS = {
    "/api/v1/auth/accept-invite": "the invitation token is a secret",
    "/api/v1/auth/password-reset/confirm": "the reset token is a secret",
    "/api/v1/auth/register/confirm": "the sign-up token is a secret",
    "/api/v1/auth/password": "the current password is checked",
    "/api/v1/members/{member_id}/erase": "confirmEmail must be the person's email",
    "/api/v1/screenshots/reblur": "needs a blur level in the policy first",
    # JSON Schema's `regex` format is ECMA 262, not Python's `re` syntax.
    "/api/v1/agent/config": "redaction patterns must compile as Python regexes",
    "POST /api/v1/integrations": "the provider checks the credentials (422)",
    "PATCH /api/v1/integrations/{integration_id}": "ticketPattern is a Python regex",
    # Reached through the stateful links once POST /integrations succeeds: only
    # Jira, Zammad and Kimai take personal connections (a 400 for the others).
    "PUT /api/v1/integrations/{integration_id}/connection": "the provider decides",
    "DELETE /api/v1/integrations/{integration_id}/connection": "the provider decides",
}

# Uploads whose file the code reads: no schema states "a real PNG" or "a CSV
# export of the named format", so a generated file is rightly refused (400).
# The form's fields are stated (server/http/openapi.py MULTIPART) and the
# negative check still runs.
FILE_CONTENT = {
    "/api/v1/sync/screenshots": "the file must be a real JPEG, PNG or WebP image",
    "/api/v1/imports/csv": "the file must be a CSV export in the named format",
}

# Path ids pinned for one operation only: the seeded CSV integration is edited
# through PATCH, while its runs, mappings and webhook keep answering 404 here
# (runs of a CSV integration are file uploads: tests/integration/integrations).
PINNED_FOR = {"integration_id": ("PATCH", "/api/v1/integrations/{integration_id}")}

# Known gaps, to shrink to nothing: operations whose query or body constraints
# the code enforces (and explains) but the schema does not state yet, so the
# fuzzer's schema-valid values are refused (positive) and values the schema
# forbids may pass (negative). Each entry names the constraints missing.
KNOWN_GAPS: dict[str, str] = {}

# Statuses an operation rightly answers to a value its schema forbids, beyond
# schemathesis's default list for that check. schemathesis 4 merges one
# operation's list into every operation's, so each entry carries the whole
# default list plus its own.
NEGATIVE_DEFAULT = [
    "400",
    "401",
    "403",
    "404",
    "405",
    "406",
    "409",
    "415",
    "422",
    "428",
    "429",
    "5xx",
]
REFUSED_WITH = {
    # A declared size over the limit is refused as too large, as an upload is.
    ("/api/v1/sync/screenshots/presign", "POST"): ["413"],
}


async def _seed(url: str, data_dir: Path) -> tuple[Account, Account, dict[str, str]]:
    async with httpx.AsyncClient(base_url=url, timeout=30) as c:
        owner = await register(c, data_dir=data_dir)
        member = await invite(owner)

        async def made(path: str, body: dict[str, Any], who: Account = owner) -> str:
            r = await who.post(path, json=body)
            assert r.status_code == 201, (path, r.text)
            return str(r.json()["id"])

        ids = {
            "member_id": member.user_id,
            "user_id": member.user_id,
            "team_id": await made("/api/v1/teams", {"name": "Team"}),
            "customer_id": await made("/api/v1/customers", {"name": "Customer"}),
            "activity_id": await made("/api/v1/activities", {"name": "Activity"}),
            "project_id": await made("/api/v1/projects", {"name": "Project"}),
        }
        ids["task_id"] = await made(f"/api/v1/projects/{ids['project_id']}/tasks", {"name": "Task"})
        ids["integration_id"] = await made(
            "/api/v1/integrations", {"provider": "csv_generic", "name": "CSV"}
        )
        start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
        ids["entry_id"] = await made(
            "/api/v1/time-entries",
            {
                "startTime": start.isoformat(),
                "endTime": (start + timedelta(hours=1)).isoformat(),
                "projectId": ids["project_id"],
            },
            member,
        )
        return owner, member, ids


def _config(token: str, ids: dict[str, str]) -> str:
    lines = [
        f'headers = {{ Authorization = "Bearer {token}" }}',
        # Path ids are pinned to the seeded objects (so generated requests reach
        # the handlers, not only 404s); the pin also replaces the id a stateful
        # link carries from a POST, so "created resource not found" would look
        # up the pinned object (perhaps deleted by then), not the created one.
        "[checks.ensure_resource_availability]",
        "enabled = false",
        "[parameters]",
        *(f'"path.{name}" = "{value}"' for name, value in ids.items() if name not in PINNED_FOR),
    ]
    for name, (method, path) in PINNED_FOR.items():
        lines += [
            "[[operations]]",
            f'include-path = "{path}"',
            f'include-method = "{method}"',
            f'parameters = {{ "path.{name}" = "{ids[name]}" }}',
        ]
    for path in EXCLUDED:
        lines += ["[[operations]]", f'include-path = "{path}"', "enabled = false"]
    for key in SECRETS:
        method, _, path = key.rpartition(" ")
        lines += [
            "[[operations]]",
            f'include-path = "{path}"',
            *([f'include-method = "{method}"'] if method else []),
            "checks.positive_data_acceptance.enabled = false",
        ]
    for path in FILE_CONTENT:
        lines += [
            "[[operations]]",
            f'include-path = "{path}"',
            'include-method = "POST"',
            "checks.positive_data_acceptance.enabled = false",
        ]
    for operation in KNOWN_GAPS:
        method, path = operation.split(" ")
        lines += [
            "[[operations]]",
            f'include-path = "{path}"',
            f'include-method = "{method}"',
            "checks.positive_data_acceptance.enabled = false",
            "checks.negative_data_rejection.enabled = false",
        ]
    for (path, method), statuses in REFUSED_WITH.items():
        expected = ", ".join(f'"{code}"' for code in NEGATIVE_DEFAULT + statuses)
        lines += [
            "[[operations]]",
            f'include-path = "{path}"',
            f'include-method = "{method}"',
            f"checks.negative_data_rejection.expected-statuses = [{expected}]",
        ]
    for path, method, check, _why in EXEMPT_CHECKS:
        lines += [
            "[[operations]]",
            f'include-path = "{path}"',
            f'include-method = "{method}"',
            f"checks.{check}.enabled = false",
        ]
    return "\n".join(lines) + "\n"


def _fuzz(url: str, token: str, ids: dict[str, str], out: Path) -> tuple[int, str]:
    config = out / "schemathesis.toml"
    config.write_text(_config(token, ids))
    proc = subprocess.run(
        [
            str(VENV_BIN / "schemathesis"),
            "--config-file",
            str(config),
            "run",
            f"{url}/schema/openapi.json",
            # Every check runs (schemathesis 4 enables all by default); naming
            # them with --checks would override the per-operation exemptions.
            "--max-examples",
            MAX_EXAMPLES,
            "--no-shrink",
            # One worker: hypothesis describing strategies in parallel threads
            # trips CPython 3.11's "AST constructor recursion depth mismatch".
            "--workers",
            "1",
            "--seed",
            "1",
            "--request-timeout",
            "30",
        ],
        cwd=out,
        env={**os.environ, "SCHEMATHESIS_HOOKS": str(HOOKS), "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=1500,
    )
    return proc.returncode, proc.stdout + proc.stderr


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    if request.param == "sqlite":
        yield {}
        return
    from server.db.migrate import upgrade

    name, url = create_pg_database("hubnity_fuzz")
    try:
        upgrade(url)
        yield {"DATABASE_URL": url}
    finally:
        drop_pg_database(name)


async def test_openapi_document_holds_under_fuzzing(tmp_path: Path, database: dict[str, str]):
    with run_server(tmp_path / "data", {**TEST_ENV, **database}) as server:
        owner, member, ids = await _seed(server.url, server.data_dir)
        # The member first: the owner's run may change the member (role, erase).
        for who, account in (("member", member), ("owner", owner)):
            code, output = _fuzz(server.url, account.access, ids, tmp_path)
            summary = output[output.rfind("SUMMARY") :] if "SUMMARY" in output else output
            print(f"--- as {who} ---\n{output[-20000:]}", file=sys.stderr)
            assert code == 0, f"schemathesis as {who} found failures:\n{summary}"
            assert " 0 failures" in output or "failures" not in summary.split("\n")[-2]
        assert "Traceback" not in server.log(), server.log()[-5000:]
