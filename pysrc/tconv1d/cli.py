"""The ``tconv1d`` console command. Each subcommand lives in its own module,
which offers ``add_arguments(parser)`` and ``run(args) -> int``; it is imported
only when used, so ``tconv1d info`` stays quick.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# subcommand -> (module, one-line help)
SUBCOMMANDS = {
    "info": ("tconv1d.info", "version, compiler, threads, SIMD level, GPU availability"),
    "demo": ("tconv1d.demo", "the vendor's example layer: display, a forward and a backward"),
    "conformance": ("tconv1d.conformance.runner", "validate an implementation against the documented behaviour"),
    "bench": ("tconv1d.bench", "benchmark side by side with PyTorch and ONNX Runtime"),
}


# Flags that print where the C++ library lies in this installation (for
# native builds: `cmake -Dtconv1d_DIR=$(tconv1d --cmake-dir)`), one per line.
PATH_FLAGS = {
    "--cmake-dir": ("cmake_dir", "print the directory of tconv1dConfig.cmake and exit"),
    "--include-dir": ("get_include", "print the C/C++ include directory and exit"),
    "--library-dir": ("get_library_dir", "print the directory of the C++ library and exit"),
    "--pkgconfig-dir": ("pkgconfig_dir", "print the directory of tconv1d.pc and exit"),
}


def _core_version() -> str:
    from . import _core

    return _core.version()


# What a command reports in one line instead of a traceback: the request cannot
# be met as given (a file that cannot be read or written, a value the library
# refuses, memory or threads the machine does not have). These are the
# exception classes tconv1d's entry points raise for bad input (SPEC R7).
REPORTED_ERRORS = (OSError, ValueError, TypeError, OverflowError, MemoryError, RuntimeError)


def describe(error: BaseException) -> str:
    """One line for an error: its message, with the class where the message alone is unclear."""
    if isinstance(error, OSError) and error.filename is not None:
        return f"{error.filename}: {error.strerror or error}"
    text = str(error) or type(error).__name__
    return text if isinstance(error, ValueError) else f"{type(error).__name__}: {text}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tconv1d", description="1-D transposed convolution layer.")
    parser.add_argument("--version", action="version", version=f"tconv1d {_core_version()}")
    for flag, (_, help_text) in PATH_FLAGS.items():
        parser.add_argument(flag, action="store_true", help=help_text)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    chosen = (argv if argv is not None else sys.argv[1:])[:1]
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        sub_parser = sub.add_parser(name, help=help_text)
        if chosen == [name]:  # only the chosen subcommand's module is imported
            importlib.import_module(module_name).add_arguments(sub_parser)
    args = parser.parse_args(argv)
    asked = [flag for flag in PATH_FLAGS if getattr(args, flag[2:].replace("-", "_"))]
    if asked:
        from . import native

        try:
            for flag in asked:
                print(getattr(native, PATH_FLAGS[flag][0])())
        except FileNotFoundError as error:
            print(f"tconv1d: error: {error}", file=sys.stderr)
            return 2
        return 0
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return int(importlib.import_module(SUBCOMMANDS[args.command][0]).run(args) or 0)
    except REPORTED_ERRORS as error:
        print(f"tconv1d {args.command}: error: {describe(error)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"tconv1d {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
