"""The state one invocation shares: which profile, how to print, and the API
client, opened lazily. `common` puts --profile/--json/--quiet on every command
(accepted before or after the subcommand)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import click

from cli.client import Api
from cli.credentials import Store, open_store
from cli.output import Output
from cli.profiles import Profile, ProfileFile, config_dir

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class State:
    profile_name: str | None = None
    json_mode: bool = False
    quiet: bool = False
    _file: ProfileFile | None = None
    _store: Store | None = None
    _api: Api | None = None
    _out: Output | None = field(default=None, repr=False)

    @property
    def profiles(self) -> ProfileFile:
        if self._file is None:
            self._file = ProfileFile()
        return self._file

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = open_store(config_dir())
        return self._store

    @property
    def out(self) -> Output:
        if self._out is None:
            self._out = Output(json_mode=self.json_mode, quiet=self.quiet)
        return self._out

    def name(self) -> str:
        return self.profiles.resolve_name(self.profile_name)

    def profile(self) -> Profile:
        return self.profiles.get(self.name())

    def open_api(self, server: str, profile: str) -> Api:
        if self._api is None or self._api.server != server.rstrip("/"):
            self._api = Api(server, profile, self.store, config_dir())
        return self._api

    @property
    def api(self) -> Api:
        profile = self.profile()
        return self.open_api(profile.server, profile.name)

    def close(self) -> None:
        if self._api is not None:
            self._api.close()


pass_state = click.make_pass_decorator(State, ensure=True)


def _set(attr: str) -> Callable[[click.Context, click.Parameter, Any], None]:
    def callback(ctx: click.Context, _param: click.Parameter, value: Any) -> None:
        if value:  # an option given at any level wins over the default
            setattr(ctx.ensure_object(State), attr, value)

    return callback


def common(func: F) -> F:
    options = [
        click.option(
            "--profile",
            "-p",
            metavar="NAME",
            expose_value=False,
            is_eager=True,
            callback=_set("profile_name"),
            help="Profile to use (default: HUBNITY_PROFILE, then the current profile).",
        ),
        click.option(
            "--json",
            "json_mode",
            is_flag=True,
            expose_value=False,
            is_eager=True,
            callback=_set("json_mode"),
            help="Print the API's JSON objects on stdout (durations in seconds).",
        ),
        click.option(
            "--quiet",
            "-q",
            is_flag=True,
            expose_value=False,
            is_eager=True,
            callback=_set("quiet"),
            help="Print only what a script needs (ids), no progress or notes.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func
