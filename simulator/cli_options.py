"""Every `olt-sim` flag also from the environment and from a config file, derived from the parser itself.

A flag's environment variable is `OLT_SIM_` + its dest in upper case (`--port` -> `OLT_SIM_PORT`,
`--cors-origin` -> `OLT_SIM_CORS_ORIGIN`), so a flag added later gets one without more code.
The config file (`--config FILE` or `OLT_SIM_CONFIG`) is TOML: top-level keys apply to every
command that has the flag, a `[serve]` (or `[token]` ...) table to that command only; keys are
the flag's name with or without dashes (`cors-origin = ["https://app.example.com"]`).

Precedence: command line > environment > config file > the flag's built-in default.
"""

from __future__ import annotations

import argparse
import os
import sys
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, NoReturn

ENV_PREFIX = "OLT_SIM_"
CONFIG_ENV = ENV_PREFIX + "CONFIG"
TRUE, FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


class CliError(Exception):
    """A mistake of the user's: `main` prints it as one line and exits 2, without a traceback."""


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors (`olt-sim serve: error: ...`) and defaults shown in `--help`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


class HelpFormatter(argparse.HelpFormatter):
    """Each option's help line ends with its default and its environment variable."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if not action.option_strings or action.dest in ("help", "version", "config"):
            return text
        shown = action.default
        if "default" not in text and shown not in (None, False, argparse.SUPPRESS, []):
            text += " (default: %(default)s)"
        return text + f" [env {env_name(action)}]"


def env_name(action: argparse.Action) -> str:
    return ENV_PREFIX + action.dest.upper()


def subcommands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every (sub)parser with its command path: (), ("serve",), ("scenario", "validate") ..."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from subcommands(sub, (*path, name))


def configurable(parser: argparse.ArgumentParser) -> Iterator[argparse.Action]:
    for action in parser._actions:
        if (
            action.option_strings
            and action.dest not in ("help", "version", "config")
            and not isinstance(action, argparse._SubParsersAction)
        ):
            yield action


def load_config(path: str | Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except OSError as error:
        raise CliError(f"cannot read the config file {path}: {error.strerror or error}") from None
    except tomllib.TOMLDecodeError as error:
        raise CliError(f"the config file {path} is not valid TOML: {error}") from None


def config_path(argv: list[str], environ: Mapping[str, str]) -> str | None:
    """`--config FILE` / `--config=FILE` anywhere on the command line, else $OLT_SIM_CONFIG."""
    for index, arg in enumerate(argv):
        if arg == "--config":
            if index + 1 >= len(argv):
                raise CliError("--config needs a file name")
            return argv[index + 1]
        if arg.startswith("--config="):
            return arg.split("=", 1)[1]
    return environ.get(CONFIG_ENV) or None


def strip_config(argv: list[str]) -> list[str]:
    """The command line without `--config FILE` (it is read before argparse sees the rest)."""
    out, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--config":
            skip = True
        elif not arg.startswith("--config="):
            out.append(arg)
    return out


def convert(action: argparse.Action, raw: Any, source: str) -> Any:
    """A value from the environment (text) or the config file (TOML) as the flag would have parsed it."""
    if action.nargs == 0:  # store_true / store_false
        if isinstance(raw, bool):
            return raw if action.const is True else not raw
        text = str(raw).strip().lower()
        if text not in TRUE | FALSE:
            raise CliError(f"{source}={raw!r}: expected true or false")
        return (text in TRUE) == (action.const is True)
    if isinstance(action, argparse._AppendAction):
        items = raw if isinstance(raw, list) else [part for part in str(raw).split(",") if part.strip()]
        return [one(action, item.strip() if isinstance(item, str) else item, source) for item in items]
    return one(action, raw, source)


def one(action: argparse.Action, raw: Any, source: str) -> Any:
    value = str(raw) if action.type is None else raw
    if action.type is not None and callable(action.type):
        try:
            value = action.type(str(raw))
        except argparse.ArgumentTypeError as error:
            raise CliError(f"{source}={raw!r}: {error}") from None
        except (TypeError, ValueError):
            raise CliError(f"{source}={raw!r}: invalid {getattr(action.type, '__name__', '')} value") from None
    if action.choices is not None and value not in action.choices:
        choices = ", ".join(map(str, action.choices))
        raise CliError(f"{source}={raw!r}: choose from {choices}")
    return value


def apply_defaults(
    parser: argparse.ArgumentParser, argv: list[str], environ: Mapping[str, str] | None = None
) -> list[str]:
    """Set every flag's default from the config file and the environment; returns argv without --config."""
    environ = os.environ if environ is None else environ
    path = config_path(argv, environ)
    config = load_config(path) if path else {}
    known: set[str] = set()
    for command, sub in subcommands(parser):
        known.update(command)
        section: dict[str, Any] = dict(config)
        for name in command:
            nested = section.get(name)
            section = {
                **{k: v for k, v in section.items() if not isinstance(v, dict)},
                **(nested if isinstance(nested, dict) else {}),
            }
        for action in configurable(sub):
            keys = (action.dest, action.dest.replace("_", "-"))
            known.update(keys)
            found = next((key for key in keys if key in section), None)
            if found is not None and command:
                action.default = convert(action, section[found], f"{path}: {found}")
            name = env_name(action)
            if name in environ:
                action.default = convert(action, environ[name], name)
    unknown = sorted(key for key in _keys(config) if key not in known)
    if unknown:
        raise CliError(f"{path}: unknown setting {unknown[0]!r} (settings are the flags of olt-sim --help)")
    return strip_config(argv)


def _keys(config: dict[str, Any]) -> Iterator[str]:
    for key, value in config.items():
        yield key
        if isinstance(value, dict):
            yield from _keys(value)


def fail(message: str) -> int:
    print(f"olt-sim: error: {message}", file=sys.stderr)
    return 2
