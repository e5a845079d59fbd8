"""Callbacks for pushed screens."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def when_done(then: Callable[[Any], object]) -> Callable[[Any], None]:
    """A dismiss callback that runs `then(result)` only when the dialog produced something
    (not when it was cancelled or answered no)."""

    def callback(result: Any) -> None:
        if result is not None and result is not False:
            then(result)

    return callback
