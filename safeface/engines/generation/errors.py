"""Errors a generator raises, each with a message a person can act on."""

from __future__ import annotations

from typing import Callable, Union


class WeightsMissing(RuntimeError):
    """A backend's weights are not on this machine (they are never downloaded at run time)."""


class GenerationCancelled(RuntimeError):
    """The caller asked to stop (a cancel flag or callable turned true)."""


class GenerationFailed(RuntimeError):
    """No acceptable face came out within the allowed number of tries."""


# A cancel signal: a callable returning True to stop, or anything with `is_set()`
# (threading.Event, multiprocessing.Event).
CancelSignal = Union[Callable[[], bool], "object", None]
Progress = Callable[[int, int], None]  # (steps done, steps in all)


def cancel_checker(cancel: CancelSignal) -> Callable[[], bool]:
    """Turn a cancel signal into a plain `() -> bool`."""
    if cancel is None:
        return lambda: False
    if hasattr(cancel, "is_set"):
        return cancel.is_set  # type: ignore[union-attr]
    if callable(cancel):
        return lambda: bool(cancel())
    raise ValueError(f"cancel must be a callable or an Event-like object with is_set(), not {type(cancel).__name__}.")
