"""The one command line of the long runs: ``python -m gru_companion.experiments <experiment>``.

One subcommand per experiment, each with its own ``--help``: one study per task of
:data:`gru_companion.experiments.tasks.TASKS` (``chorales``, ``adding``, ``copy``,
``counting``, ``sunspots``; resumable, see :mod:`~gru_companion.experiments.study`), and
``variants``, ``gradient-flow``, ``bench``, ``memory`` and ``gpu-bench`` (the GPU
benchmark, :mod:`~gru_companion.experiments.gpu_bench`). Each run shows its
progress with an estimate of the time left (unless ``--no-progress``) and writes one JSON
file (:func:`~gru_companion.experiments.result_files.write_result`) holding the exact
command, its wall time, the load average, the package versions and the machine beside
the results. The commands that made the course's stored results are recorded in them.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import shlex
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from gru_companion.experiments.result_files import (
    command_line,
    machine_description,
    package_versions,
    rounded_floats,
    write_result,
)
from gru_companion.experiments.study import run_study
from gru_companion.experiments.tasks import TASKS, Task
from gru_companion.validation import check_positive_int

#: How the command line is invoked; recorded, with the arguments, in every result.
PROGRAM = "python -m gru_companion.experiments"


@dataclass(frozen=True)
class Command:
    """One subcommand: its arguments, how it runs, how its result is written.

    Attributes
    ----------
    name
        The subcommand.
    description
        One line for ``--help``.
    add_arguments
        Adds the subcommand's options to its parser.
    run
        ``run(args)``: runs the experiment, returns its result (a dict).
    digits
        Decimals floats are rounded to in the file, or ``None`` to keep them.
    write
        ``write(record, args)``: writes the record, returns the paths written; ``None``
        writes it as JSON to ``args.out``.
    report
        ``report(record)`` prints a summary after the run, or ``None``.
    """

    name: str
    description: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], dict[str, Any]]
    digits: int | None = None
    write: Callable[[dict[str, Any], argparse.Namespace], list[pathlib.Path]] | None = None
    report: Callable[[dict[str, Any]], None] | None = None


def seeds_argument(parser: argparse.ArgumentParser, default: int = 3) -> None:
    """``--seeds N``: the seeds 0 to N - 1."""
    parser.add_argument("--seeds", type=int, default=default,
                        help=f"number of seeds (0, 1, ...); default {default}")  # fmt: skip


def seeds_of(args: argparse.Namespace) -> tuple[int, ...]:
    """The seeds ``--seeds`` asks for, checked."""
    return tuple(range(check_positive_int("seeds", args.seeds)))


def progress_argument(parser: argparse.ArgumentParser, *aliases: str) -> None:
    """``--no-progress``: no progress bar."""
    parser.add_argument("--no-progress", *aliases, dest="no_progress", action="store_true",
                        help="no progress bar")  # fmt: skip


def task_command(task: Task) -> Command:
    """The subcommand of a task's study: its design, ``--lengths`` for its axis, its options.

    The study (:func:`~gru_companion.experiments.study.run_study`) writes each run to
    ``--out`` as it finishes; the same command run again continues where it stopped.
    """
    defaults = task.defaults

    def add_arguments(parser: argparse.ArgumentParser) -> None:
        seeds_argument(parser, default=len(defaults["seeds"]))
        parser.add_argument("--learning-rates", type=float, nargs="+", default=None,
                            help="the rates searched with the first seed; default "
                            + " ".join(f"{r:g}" for r in defaults["learning_rates"]))  # fmt: skip
        for name in ("max_epochs", "patience", "budget", "batch_size"):
            parser.add_argument("--" + name.replace("_", "-"), type=int, default=None,
                                help=f"default {defaults[name]}")  # fmt: skip
        if task.axis:
            default = " ".join(map(str, defaults[task.axis]))
            parser.add_argument(
                "--lengths",
                type=int,
                nargs="+",
                default=None,
                help=f"{task.axis.replace('_', ' ')}; default {default}",
            )
        for option in task.options:
            kind = str if option.choices else int
            parser.add_argument(
                option.cli_flag,
                dest=option.name,
                type=kind,
                default=None,
                choices=option.choices,
                help=f"{option.help}; default {defaults[option.name]}",
            )
        parser.add_argument("--out", type=pathlib.Path,
                            default=pathlib.Path(f"book/data/studies/{task.name}.json"),
                            help="JSON file to write, and to resume from; "
                            "default %(default)s")  # fmt: skip
        parser.add_argument("--only-kinds", nargs="+", default=None, metavar="KIND",
                            help="train only these kinds' runs: processes given different "
                            "kinds share one --out file (the file records the command "
                            "without this option, which trains whatever is missing)")  # fmt: skip
        progress_argument(parser)

    def run(args: argparse.Namespace) -> dict[str, Any]:
        arguments: dict[str, Any] = {"seeds": seeds_of(args)}
        if args.learning_rates:
            arguments["learning_rates"] = tuple(args.learning_rates)
        for name in ("max_epochs", "patience", "budget", "batch_size",
                     *(o.name for o in task.options)):  # fmt: skip
            if getattr(args, name) is not None:
                arguments[name] = getattr(args, name)
        if task.axis and args.lengths:
            arguments[task.axis] = tuple(args.lengths)
        return run_study(task, out=args.out, record=getattr(args, "header", None),
                         only_kinds=args.only_kinds,
                         show_progress=not args.no_progress, **arguments)  # fmt: skip

    return Command(task.name, task.description, add_arguments, run, digits=5)


def _without_option(command: str, flag: str) -> str:
    """A command line without ``flag`` and the values that follow it."""
    words, kept, skipping = shlex.split(command), [], False
    for word in words:
        if word == flag:
            skipping = True
        elif skipping and not word.startswith("--"):
            continue
        else:
            skipping = False
            kept.append(word)
    return shlex.join(kept)


def commands() -> dict[str, Command]:
    """Every subcommand, by name: the tasks', then variants, gradient flow, bench, memory, GPU."""
    from gru_companion.experiments import bench, gpu_bench, gradient_flow, memory, variants

    table = {name: task_command(task) for name, task in TASKS.items()}
    for command in (variants.COMMAND, gradient_flow.COMMAND, bench.COMMAND, memory.COMMAND,
                    gpu_bench.COMMAND):  # fmt: skip
        table[command.name] = command
    return table


def parser(table: dict[str, Command] | None = None) -> argparse.ArgumentParser:
    """The command line's parser, with one subparser per command."""
    table = commands() if table is None else table
    main_parser = argparse.ArgumentParser(
        prog=PROGRAM,
        description="Run one of the course's long experiments and write its JSON result.",
    )
    subparsers = main_parser.add_subparsers(dest="experiment", required=True,
                                            metavar="{" + ",".join(table) + "}")  # fmt: skip
    for command in table.values():
        sub = subparsers.add_parser(command.name, help=command.description,
                                    description=command.description)  # fmt: skip
        command.add_arguments(sub)
    return main_parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the experiment ``argv`` names, write its result and say where.

    Parameters
    ----------
    argv
        The arguments (``None``: ``sys.argv[1:]``); ``--help`` lists the experiments,
        ``<experiment> --help`` their options.
    """
    table = commands()
    args = parser(table).parse_args(argv)
    command = table[args.experiment]
    load_start = os.getloadavg()
    # what a study writes at the top of its file while it runs (it resumes from the file)
    args.header = {
        "experiment": command.name,
        "command": command_line(PROGRAM, argv),
        "versions": package_versions(),
        "machine": machine_description(),
    }
    shared = bool(getattr(args, "only_kinds", None))  # one of several processes on one file
    if shared:  # the file records the command that makes all of it
        args.header["command"] = _without_option(args.header["command"], "--only-kinds")
    start = time.perf_counter()
    result = command.run(args)
    if shared:  # each run was added to the file under its lock; another process may add more
        print(f"added this process's runs to {args.out} in {time.perf_counter() - start:.0f} s")
        return 0
    wall = time.perf_counter() - start
    if command.digits is not None:
        result = rounded_floats(result, command.digits)
    record = {
        **args.header,
        "wall_seconds": round(wall, 1),
        # other work on the machine slows every run and inflates the timed columns
        "load_average": {"start": [round(v, 2) for v in load_start],
                         "end": [round(v, 2) for v in os.getloadavg()]},
        **result,
    }  # fmt: skip
    if command.report is not None:
        command.report(record)
    paths = command.write(record, args) if command.write else [write_result(args.out, record)]
    for path in paths:
        print(f"wrote {path} ({path.stat().st_size:,} bytes) in {wall:.0f} s")
    return 0
