"""One place that decides how long work shows progress (tqdm; ``quiet=True`` turns it off)."""

from __future__ import annotations

from typing import Iterable, TypeVar

from tqdm.auto import tqdm

T = TypeVar("T")


def progress(iterable: Iterable[T] | None = None, *, total: int | None = None, desc: str = "", quiet: bool = False):
    """A tqdm bar on stderr, or a silent pass-through when ``quiet``."""
    return tqdm(iterable, total=total, desc=desc, disable=quiet, leave=False, dynamic_ncols=True)
