"""Profiles, tokens and sessions of the `hubnity` command line, end to end."""

from __future__ import annotations

import json
import stat
import subprocess
import time

import httpx

from tests.e2e.cli.conftest import ACCESS_TTL, Cli, cli_command, register


def test_two_profiles_on_two_organizations_never_mix(server, cli: Cli):
    a = register(server, "Org Alpha")
    b = register(server, "Org Beta")
    a.post("/api/v1/projects", {"name": "Apollo"})
    b.post("/api/v1/projects", {"name": "Borealis"})
    cli.login("alpha", a)
    cli.login("beta", b)

    assert cli.json("whoami", "--profile", "alpha")["organization"]["name"] == "Org Alpha"
    assert cli.json("--profile", "beta", "whoami")["organization"]["name"] == "Org Beta"
    env_b = cli.json("whoami", env={"HUBNITY_PROFILE": "beta"})
    assert env_b["email"] == b.email
    # The first profile signed in is the current one; `profiles use` moves it.
    assert cli.json("whoami")["email"] == a.email
    cli.ok("profiles", "use", "beta")
    assert cli.json("whoami")["email"] == b.email
    # --profile beats HUBNITY_PROFILE, which beats the current profile.
    assert cli.json("whoami", "-p", "alpha", env={"HUBNITY_PROFILE": "beta"})["email"] == a.email

    # Each organization's data stays its own, whichever profile asks first.
    team_a = cli.json("report", "team", "--profile", "alpha")
    team_b = cli.json("report", "team", "--profile", "beta")
    assert [i["email"] for i in team_a["items"]] == [a.email]
    assert [i["email"] for i in team_b["items"]] == [b.email]
    add_b = cli.run("tasks", "add", "Leak", "--project", "Apollo", "--profile", "beta")
    assert add_b.returncode == 4 and "no project named 'Apollo'" in add_b.stderr
    task = cli.json("tasks", "add", "Launch", "--project", "Apollo", "--profile", "alpha")
    assert cli.json("tasks", "list", "--profile", "beta") == []
    other = cli.run("tasks", "status", task["id"], "done", "--profile", "beta")
    assert other.returncode == 4, other.stderr

    listed = {p["name"]: p for p in cli.json("profiles", "list")}
    assert listed["alpha"]["organization"] == "Org Alpha" and listed["alpha"]["signedIn"]
    assert listed["beta"]["current"] and not listed["alpha"]["current"]
    table = cli.ok("profiles", "list")
    assert "Org Alpha" in table and "Org Beta" in table


def test_tokens_live_in_a_0600_file_never_in_the_profile_file(server, cli: Cli):
    org = register(server, "Org Secret")
    cli.login("work", org)
    profile_file = cli.config_dir / "config.toml"
    creds_file = cli.config_dir / "credentials.json"
    assert profile_file != creds_file
    tokens = cli.credentials()["work"]
    text = profile_file.read_text()
    assert org.email in text and server.url in text
    assert tokens["access"] not in text and tokens["refresh"] not in text
    assert "token" not in text.lower()
    assert stat.S_IMODE(creds_file.stat().st_mode) == 0o600
    # Tokens refreshed later land in the same 0600 file, still not in the profile.
    time.sleep(ACCESS_TTL + 1)
    cli.ok("whoami")
    refreshed = cli.credentials()["work"]
    assert refreshed["refresh"] != tokens["refresh"]
    assert refreshed["refresh"] not in profile_file.read_text()
    assert stat.S_IMODE(creds_file.stat().st_mode) == 0o600


def _requests_after(server, offset: int, until: tuple[str, str, int]) -> list[tuple]:
    """(method, path, status) of the server's request log lines after `offset`,
    once the line `until` is there (a line is written after its response)."""
    deadline = time.monotonic() + 10
    while True:
        lines = [json.loads(x) for x in server.log()[offset:].splitlines() if x.startswith("{")]
        calls = [
            (x["method"], x["path"], x["status"]) for x in lines if x.get("event") == "request"
        ]
        if until in calls or time.monotonic() > deadline:
            return calls
        time.sleep(0.1)


def test_an_expired_access_token_is_refreshed_once_and_transparently(server, cli: Cli):
    org = register(server, "Org Refresh")
    cli.login("work", org)
    before = cli.credentials()["work"]
    time.sleep(ACCESS_TTL + 1)  # the server now refuses the stored access token
    offset = len(server.log())
    me = cli.json("whoami")
    assert me["email"] == org.email
    calls = _requests_after(server, offset, until=("GET", "/api/v1/auth/me", 200))
    me_calls = [c for c in calls if c[1] == "/api/v1/auth/me"]
    assert me_calls == [("GET", "/api/v1/auth/me", 401), ("GET", "/api/v1/auth/me", 200)]
    assert [c for c in calls if c[1] == "/api/v1/auth/refresh"] == [
        ("POST", "/api/v1/auth/refresh", 200)
    ]
    after = cli.credentials()["work"]
    assert after["access"] != before["access"] and after["refresh"] != before["refresh"]


def test_a_revoked_session_exits_3_and_asks_to_log_in(server, cli: Cli):
    org = register(server, "Org Revoked")
    cli.login("work", org)
    # The account signs out everywhere from elsewhere: every refresh token dies.
    r = httpx.post(f"{server.url}/api/v1/auth/logout", json={"all": True}, headers=org.headers)
    assert r.status_code == 204
    time.sleep(ACCESS_TTL + 1)
    proc = cli.run("report", "daily")
    assert proc.returncode == 3, (proc.stdout, proc.stderr)
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "run hubnity login --profile work" in proc.stderr
    # Signing in again works and the command succeeds.
    cli.login("work", org)
    assert cli.json("report", "daily")["trackedSeconds"] == 0


def test_logout_revokes_the_refresh_token_on_the_server(server, cli: Cli):
    org = register(server, "Org Logout")
    cli.login("work", org)
    replaced = cli.credentials()["work"]["refresh"]
    cli.login("work", org)  # signing in again ends the session it replaces
    r = httpx.post(f"{server.url}/api/v1/auth/refresh", json={"refreshToken": replaced})
    assert r.status_code == 401
    refresh = cli.credentials()["work"]["refresh"]
    assert cli.json("logout")["signedOut"] is True
    assert "work" not in cli.credentials()
    r = httpx.post(f"{server.url}/api/v1/auth/refresh", json={"refreshToken": refresh})
    assert r.status_code == 401
    proc = cli.run("whoami")
    assert proc.returncode == 3 and "not signed in" in proc.stderr
    # The profile stays (server and email) for the next login.
    listed = cli.json("profiles", "list")
    assert [(p["name"], p["signedIn"]) for p in listed] == [("work", False)]


def test_profiles_remove_signs_out_and_forgets(server, cli: Cli):
    org = register(server, "Org Remove")
    cli.login("old", org)
    refresh = cli.credentials()["old"]["refresh"]
    assert cli.json("profiles", "remove", "old") == {"removed": "old", "revoked": True}
    assert cli.json("profiles", "list") == [] and cli.credentials() == {}
    r = httpx.post(f"{server.url}/api/v1/auth/refresh", json={"refreshToken": refresh})
    assert r.status_code == 401
    proc = cli.run("whoami", "--profile", "old")
    assert proc.returncode == 3 and "hubnity login --profile old" in proc.stderr


def test_login_failures_are_one_line_with_the_servers_reason(server, cli: Cli):
    org = register(server, "Org Wrong")
    proc = cli.run(
        "login",
        "--profile",
        "w",
        "--server",
        server.url,
        "--email",
        org.email,
        "--password-stdin",
        stdin="not the password\n",
    )
    assert proc.returncode == 3
    assert proc.stderr == "hubnity: invalid email or password\n"
    proc = cli.run(
        "login",
        "--profile",
        "w",
        "--server",
        server.url,
        "--email",
        org.email,
        "--password-stdin",
        stdin="",
    )
    assert proc.returncode == 2 and "nothing was read" in proc.stderr
    assert not (cli.config_dir / "config.toml").exists()


def test_parallel_commands_share_one_refresh_without_ending_the_session(server, cli: Cli):
    """A refresh token is single-use and a spent one presented again ends the
    whole session: commands of one script running at once must not race."""
    org = register(server, "Org Parallel")
    cli.login("work", org)
    time.sleep(ACCESS_TTL + 1)
    procs = [
        subprocess.Popen(
            [*cli_command(), "whoami", "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=cli.env(),
            cwd=cli.home,
        )
        for _ in range(4)
    ]
    results = [(p.wait(timeout=120), *p.communicate()) for p in procs]
    assert [r[0] for r in results] == [0, 0, 0, 0], results
    assert all(json.loads(out)["email"] == org.email for _, out, _ in results)
    assert cli.json("whoami")["email"] == org.email  # the session is still alive
