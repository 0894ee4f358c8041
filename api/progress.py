"""Rich progress bars for long CLI steps, driven by the project's ``progress(step, done, total)`` callbacks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from graph.store import ProgressCallback

__all__ = ["progress_bars"]


@contextmanager
def progress_bars(console: Console) -> Iterator[ProgressCallback]:
    """A callback that shows one bar per step name while the ``with`` block runs.

    Bars are drawn only on a terminal; elsewhere (CI, pipes) the callback is silent.
    """
    columns = (
        TextColumn("[bold]{task.description:<18}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(
        *columns, console=console, transient=False, disable=not console.is_terminal
    ) as bars:
        tasks: dict[str, TaskID] = {}

        def update(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = bars.add_task(step, total=total)
            bars.update(tasks[step], completed=done, total=total)

        yield update
