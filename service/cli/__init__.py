"""The ``copyfair`` command line: :func:`run` is the console script.

The commands are a click group (:mod:`service.cli.group`, re-exported here as ``main``,
``COMMANDS`` and ``load_command``), each in its own module. Before loading click,
:func:`run` offers a ``copyfair scan`` to :func:`service.cli.replay.try_replay`, which
prints the stored report of an unchanged tree: a warm rescan costs little more than
Python's own start and a walk of the tree. Exit codes: 0 success, 1 policy failure, 2
usage or input error.

:func:`console` (the installed ``copyfair``) runs :func:`run`; after a ``scan`` it
leaves with ``os._exit`` once its output is flushed, instead of tearing the interpreter
down (freeing every object of the licence index and the report: about 0.05 s of a
one-second scan). Every file a scan writes is closed by then and nothing of it is left
to an exit handler.
"""

from __future__ import annotations

import os
import sys
from typing import Any

_GROUP_NAMES = ("main", "COMMANDS", "load_command", "LazyGroup")


def run() -> int:
    """The ``copyfair`` console script."""
    args = sys.argv[1:]
    if args[:1] == ["scan"]:
        from service.cli.replay import try_replay

        code = try_replay(args[1:])
        if code is not None:
            return code
    from service.cli.group import main

    main()  # click exits with the command's status
    return 0


def console() -> None:
    """The installed ``copyfair`` command (see the module doc)."""
    fast = sys.argv[1:2] == ["scan"]
    try:
        code = run()
    except SystemExit as exc:
        if not fast:
            raise
        code = _exit_status(exc)
    if not fast:
        sys.exit(code)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed or broken pipe: nothing more to say
        code = code or 1
    os._exit(code)


def _exit_status(exc: SystemExit) -> int:
    """The process status ``sys.exit`` would give ``exc`` (a message: printed, 1)."""
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code
    print(exc.code, file=sys.stderr)
    return 1


def __getattr__(name: str) -> Any:
    if name in _GROUP_NAMES:
        from service.cli import group

        return getattr(group, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
