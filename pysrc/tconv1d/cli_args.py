"""argparse types the subcommands share: values are checked when the command
line is read, before any work is done, so a mistake costs nothing and is
reported as a usage error (exit status 2) instead of a traceback."""

from __future__ import annotations

import argparse
from typing import Callable


def writable_file(path: str) -> str:
    """An argparse type for an output file: refused before any work is done if it
    cannot be created (missing directory, a directory, no permission)."""
    try:
        with open(path, "a", encoding="utf-8"):
            pass
    except OSError as error:
        raise argparse.ArgumentTypeError(f"cannot write {path!r}: {error.strerror or error}") from None
    return path


def count(minimum: int, maximum: int | None = None) -> Callable[[str], int]:
    """An argparse type for an integer in [minimum, maximum]."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < minimum or (maximum is not None and value > maximum):
            if maximum is not None:
                bound = f"between {minimum} and {maximum}"
            else:
                bound = {0: "a nonnegative integer", 1: "a positive integer"}.get(minimum, f">= {minimum}")
            raise argparse.ArgumentTypeError(f"must be {bound}, got {value}")
        return value

    return parse
