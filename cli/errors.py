"""Exit codes and the one error type commands raise: click prints it on one
stderr line and exits with its code (usage errors are click's own, code 2)."""

from __future__ import annotations

from typing import IO, Any

import click

OK = 0
ERROR = 1
USAGE = 2
AUTH = 3
NOT_FOUND = 4


class CliError(click.ClickException):
    """A failure worth one line on stderr: `hubnity: <message>`; subclasses
    set the exit code."""

    exit_code = ERROR

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))  # one line, whatever the server sent

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"hubnity: {self.format_message()}", err=True)


class UsageError(CliError):
    """Bad input found after parsing (e.g. no password on stdin)."""

    exit_code = USAGE


class AuthError(CliError):
    exit_code = AUTH


class NotFoundError(CliError):
    exit_code = NOT_FOUND
