"""Signing in and out, and the profiles themselves."""

from __future__ import annotations

import contextlib
import sys

import click
import msgspec

from cli.context import State, common, pass_state
from cli.credentials import Tokens
from cli.errors import AuthError, CliError, UsageError
from cli.profiles import Profile, check_name
from shared.schemas import Me, TokenPair


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise UsageError("--password-stdin: nothing was read from standard input")
        return password
    if not sys.stdin.isatty():
        raise UsageError("no terminal to ask for the password: use --password-stdin")
    return str(click.prompt("Password", hide_input=True, err=True))


def _normalize_server(url: str) -> str:
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise UsageError(f"--server {url!r} must start with http:// or https://")
    return url


@click.command()
@common
@click.option(
    "--server", metavar="URL", help="The server's address, e.g. https://time.example.com."
)
@click.option("--email", metavar="EMAIL", help="Your sign-in (an email, or a directory login).")
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin (scripts).")
@pass_state
def login(state: State, server: str | None, email: str | None, password_stdin: bool) -> None:
    """Sign in and save the profile (server and email; tokens go to the keyring).

    \b
    Example:
      hubnity login --profile work --server https://time.example.com --email ann@example.com
      echo "$PW" | hubnity login --profile ci --server URL --email bot@x.io --password-stdin
    """
    name = state.name()
    known = state.profiles.profiles.get(name)
    server = server or (known.server if known else None)
    email = email or (known.email if known else None)
    if not server or not email:
        raise UsageError(f"profile {name!r} is new: give --server URL and --email EMAIL")
    server = _normalize_server(server)
    password = _read_password(password_stdin)
    api = state.open_api(server, name)
    previous = state.store.load(name) if known and known.server == server else None
    body = api.post("/api/v1/auth/login", json={"email": email, "password": password}, auth=False)
    pair = msgspec.convert(body, TokenPair)
    state.store.save(name, Tokens(pair.access_token, pair.refresh_token))
    me = msgspec.convert(api.get("/api/v1/auth/me"), Me)
    if previous is not None:  # the session this login replaces ends on the server too
        with contextlib.suppress(CliError):  # already ended: nothing to revoke
            api.post("/api/v1/auth/logout", json={"refreshToken": previous.refresh_token})
    profile = Profile(
        name=name,
        server=server,
        email=me.email,
        organization=me.organization.name,
        user_id=me.id,
        role=str(me.role),
        defaults=known.defaults if known else {},
    )
    state.profiles.profiles[name] = profile
    if not state.profiles.current:
        state.profiles.current = name
    state.profiles.save()
    state.out.result(
        msgspec.to_builtins(me),
        lambda: state.out.line(
            f"Signed in as {me.email} ({me.role}, {me.organization.name}) on profile {name!r}."
        ),
    )


@click.command()
@common
@click.option("--all", "everywhere", is_flag=True, help="End every session of the account.")
@pass_state
def logout(state: State, everywhere: bool) -> None:
    """Sign out: revoke the refresh token on the server and forget the tokens.

    \b
    Example:
      hubnity logout --profile work
      hubnity logout --all          # every device and browser of the account
    """
    profile = state.profile()
    api = state.api
    tokens = state.store.load(profile.name)
    if tokens is None:
        state.out.result({"signedOut": False}, lambda: state.out.line("Not signed in."))
        return
    body = {"all": True} if everywhere else {"refreshToken": tokens.refresh_token}
    try:
        api.post("/api/v1/auth/logout", json=body)
    except AuthError:
        pass  # the session had already ended: nothing left to revoke
    except CliError as exc:
        # Forgetting the tokens now would leave a live session nobody can end.
        raise CliError(
            f"{exc.message}; still signed in: run hubnity logout again, or "
            f"hubnity profiles remove {profile.name} to forget the tokens here anyway"
        ) from None
    state.store.clear(profile.name)
    state.out.result(
        {"signedOut": True, "profile": profile.name},
        lambda: state.out.line(f"Signed out of profile {profile.name!r}."),
    )


@click.command()
@common
@pass_state
def whoami(state: State) -> None:
    """Show who the profile is signed in as (the server's answer).

    \b
    Example:
      hubnity whoami --profile work
    """
    me = state.api.get("/api/v1/auth/me")
    state.out.result(
        me,
        lambda: state.out.line(
            f"{me['email']} ({me['role']}, {me['organization']['name']}) "
            f"on {state.profile().server}"
        ),
        quiet=me["id"],
    )


@click.group()
def profiles() -> None:
    """List, choose and remove profiles.

    \b
    Example:
      hubnity profiles list
      hubnity profiles use work
    """


@profiles.command("list")
@common
@pass_state
def profiles_list(state: State) -> None:
    """List the profiles; the current one is marked with *.

    \b
    Example:
      hubnity profiles list --json
    """
    file = state.profiles
    current = file.resolve_name(state.profile_name)
    rows = []
    for name, p in sorted(file.profiles.items()):
        signed_in = state.store.load(name) is not None
        rows.append(
            {**p.to_toml(), "name": name, "current": name == current, "signedIn": signed_in}
        )
    state.out.result(
        rows,
        lambda: state.out.table(
            ["", "Profile", "Server", "Email", "Organization", "Signed in"],
            [
                [
                    "*" if r["current"] else "",
                    r["name"],
                    r["server"],
                    r["email"],
                    r.get("organization", ""),
                    "yes" if r["signedIn"] else "no",
                ]
                for r in rows
            ],
        ),
        quiet="\n".join(r["name"] for r in rows) or None,
    )


@profiles.command("use")
@common
@click.argument("name")
@pass_state
def profiles_use(state: State, name: str) -> None:
    """Make NAME the current profile (HUBNITY_PROFILE and --profile still win).

    \b
    Example:
      hubnity profiles use work
    """
    state.profiles.get(check_name(name))
    state.profiles.current = name
    state.profiles.save()
    state.out.result({"current": name}, lambda: state.out.line(f"Now using profile {name!r}."))


@profiles.command("remove")
@common
@click.argument("name")
@pass_state
def profiles_remove(state: State, name: str) -> None:
    """Remove profile NAME and its tokens (signing out of the server first).

    \b
    Example:
      hubnity profiles remove old-laptop
    """
    profile = state.profiles.get(check_name(name))
    tokens = state.store.load(name)
    revoked = False
    if tokens is not None:
        api = state.open_api(profile.server, name)
        try:
            api.post("/api/v1/auth/logout", json={"refreshToken": tokens.refresh_token})
            revoked = True
        except CliError as exc:
            state.out.note(f"hubnity: could not sign out on the server ({exc.message})")
    state.store.clear(name)
    del state.profiles.profiles[name]
    if state.profiles.current == name:
        state.profiles.current = None
    state.profiles.save()
    state.out.result(
        {"removed": name, "revoked": revoked},
        lambda: state.out.line(f"Removed profile {name!r}."),
    )
