"""X-Forwarded-For is believed only from the proxies FORWARDED_ALLOW_IPS names:
otherwise a client rotating the header would walk past the per-IP login limit.
A real hubnity-server process on SQLite."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.support.process import run_server

LIMITED = {"LOGIN_RATE_LIMIT": "3/hour"}


def _attempts(url: str, forwarded: bool) -> list[int]:
    codes = []
    with httpx.Client(base_url=url, timeout=10) as c:
        for i in range(5):
            headers = {"X-Forwarded-For": f"203.0.113.{i + 1}"} if forwarded else {}
            # Another address each time: the per-address lockout (every address is
            # counted) must not answer before the per-IP limit this test is about.
            body = {"email": f"nobody-{forwarded}-{i}@example.com", "password": "wrong password"}
            codes.append(c.post("/api/v1/auth/login", json=body, headers=headers).status_code)
    return codes


def test_rotating_x_forwarded_for_does_not_reset_the_login_limit(tmp_path: Path) -> None:
    with run_server(tmp_path / "plain", env=LIMITED) as server:
        assert _attempts(server.url, forwarded=True) == [401, 401, 401, 429, 429]


def test_a_configured_proxy_is_believed(tmp_path: Path) -> None:
    env = {**LIMITED, "FORWARDED_ALLOW_IPS": "127.0.0.1"}
    with run_server(tmp_path / "proxied", env=env) as server:
        # Each attempt comes from another client behind the proxy: none is limited...
        assert _attempts(server.url, forwarded=True) == [401] * 5
        # ...while the proxy's own address is limited like any client.
        assert _attempts(server.url, forwarded=False) == [401, 401, 401, 429, 429]
