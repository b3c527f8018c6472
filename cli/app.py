"""The `hubnity` console script: a click group (commands, help, shell
completion) whose subcommands share one State (profile, output, API client).

Exit codes: 0 ok, 1 error, 2 usage, 3 auth ("run hubnity login"), 4 not found."""

from __future__ import annotations

import os
import sys
import traceback

import click
from click.shell_completion import get_completion_class

from cli import cli_version
from cli.commands.account import login, logout, profiles, whoami
from cli.commands.analytics import analytics
from cli.commands.entries import entries
from cli.commands.imports import import_group, integrations
from cli.commands.reports import export, report
from cli.commands.tasks import tasks
from cli.commands.timer import timer
from cli.commands.timesheets import timesheets
from cli.context import State, common
from cli.errors import ERROR


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(cli_version(), "--version", "-V", prog_name="hubnity")
@common
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Hubnity from the terminal: time, tasks, reports and exports.

    Options --profile, --json and --quiet work before or after any command.
    Profiles live in the user config dir; tokens in the OS keyring.

    \b
    Example:
      hubnity login --profile work --server https://time.example.com --email ann@example.com
      hubnity report daily --from this-week
      hubnity export --format xlsx --from last-week --out week.xlsx
    """
    state = ctx.ensure_object(State)
    ctx.call_on_close(state.close)


@cli.command()
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
def completion(shell: str) -> None:
    """Print the shell completion script (click's own) for SHELL.

    \b
    Example:
      eval "$(hubnity completion bash)"        # in ~/.bashrc
      hubnity completion fish > ~/.config/fish/completions/hubnity.fish
    """
    comp_cls = get_completion_class(shell)
    if comp_cls is None:  # pragma: no cover - the Choice lists only known shells
        raise click.UsageError(f"unknown shell {shell}")
    click.echo(comp_cls(cli, {}, "hubnity", "_HUBNITY_COMPLETE").source())


for command in (
    *(login, logout, whoami, profiles, timer, entries, tasks, timesheets, report, export),
    *(import_group, integrations),
):
    cli.add_command(command)
report.add_command(analytics)


def main() -> None:
    try:
        cli.main(prog_name="hubnity")
    except SystemExit:
        raise
    except KeyboardInterrupt:
        click.echo("hubnity: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # a bug of ours: one line, the trace on request
        if os.environ.get("HUBNITY_DEBUG"):
            traceback.print_exc()
        click.echo(
            f"hubnity: unexpected {type(exc).__name__}: {exc} (HUBNITY_DEBUG=1 shows the trace)",
            err=True,
        )
        sys.exit(ERROR)
