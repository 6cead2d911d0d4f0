"""Progress bars for long work: tqdm on a terminal, a quiet plain-text line in logs.

``progress(...)`` returns one object that works three ways::

    for xb, yb in progress(loader, desc="epoch 1", unit="batch"):   # as an iterator
        ...
    with progress(total=60000, desc="eval", unit="img") as bar:      # as a context manager
        bar.update(64)
        bar.set_postfix(loss=0.123, acc="97.1%")                   # shown as loss=0.123 acc=97.1%

When ``tqdm`` is installed (the optional ``progress`` extra) AND the output
stream is a terminal, a live tqdm bar is drawn. Otherwise (CI logs, files,
pipes, no tqdm) a plain fallback writes at most one line per second and a
final line, so a log stays readable::

    epoch 1: 12800/60000 img (21%) 6400.0 img/s 0:00:02 loss=0.35

Both show the rate in ``unit``/s (``unit="img"`` gives img/s).
Read next: ``train`` (the loops that use this) or ``data/download.py``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Iterator


def _format_value(value) -> str:
    """Format one postfix value: floats to 4 significant digits, everything else with ``str``."""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def format_postfix(**kw) -> str:
    """Join ``key=value`` pairs with single spaces, e.g. ``loss=0.123 acc=97.1%``.

    >>> format_postfix(loss=0.12345, acc="97.1%")
    'loss=0.1235 acc=97.1%'
    """
    return " ".join(f"{k}={_format_value(v)}" for k, v in kw.items())


def _format_time(seconds: float) -> str:
    """Seconds as ``H:MM:SS``.

    >>> _format_time(3725.4)
    '1:02:05'
    """
    s = int(seconds)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"


def _isatty(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):  # closed or exotic streams
        return False


class PlainProgress:
    """Plain-text progress: one line at most every ``min_interval`` seconds, and a final line.

    Args:
        iterable: what to iterate over, or ``None`` when driven by ``update``.
        total: expected number of units (taken from ``len(iterable)`` when possible), or ``None``.
        desc: label printed first on each line.
        unit: name of one unit of work; the rate is shown in ``unit``/s.
        disable: if ``True``, print nothing (iteration still works).
        file: text stream to write to (default ``sys.stderr``).
        leave: if ``True``, print a final line on ``close``.
        min_interval: seconds between two progress lines.
        clock: monotonic time source (injectable for tests).
    """

    def __init__(
        self,
        iterable: Iterable | None = None,
        *,
        total: int | None = None,
        desc: str = "",
        unit: str = "it",
        disable: bool = False,
        file=None,
        leave: bool = True,
        min_interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.iterable = iterable
        self.total = total
        self.desc = desc
        self.unit = unit
        self.disable = disable
        self.file = file
        self.leave = leave
        self.min_interval = min_interval
        self._clock = clock
        self.n = 0
        self.postfix = ""
        self.closed = False
        self._start = clock()
        self._last_print = self._start

    # -- the three ways of use --------------------------------------------------------
    def __iter__(self) -> Iterator:
        if self.iterable is None:
            raise TypeError(
                "progress: expected an iterable to iterate over, got None. "
                "Hint: pass progress(iterable) or drive it with .update(n)."
            )
        try:
            for item in self.iterable:
                yield item
                self.update(1)
        finally:
            self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def __len__(self) -> int:
        return 0 if self.total is None else int(self.total)

    # -- reporting --------------------------------------------------------------------
    def update(self, n: int = 1) -> None:
        """Count ``n`` more units done; print a line if ``min_interval`` has passed since the last."""
        self.n += n
        if self.disable:
            return
        now = self._clock()
        if now - self._last_print >= self.min_interval:
            self._last_print = now
            self._write(self.format_line(now))

    def set_postfix(self, **kw) -> None:
        """Set the ``key=value`` fields shown at the end of each line (floats to 4 significant digits)."""
        self.postfix = format_postfix(**kw)

    def close(self) -> None:
        """Finish: print the final line (if ``leave``) once; later calls do nothing."""
        if self.closed:
            return
        self.closed = True
        if not self.disable and self.leave:
            self._write(self.format_line(self._clock()))

    def format_line(self, now: float) -> str:
        """The text of one progress line at time ``now`` (same clock as ``clock``)."""
        elapsed = max(now - self._start, 0.0)
        parts = [f"{self.desc}:" if self.desc else ""]
        if self.total:
            parts.append(f"{self.n}/{self.total} {self.unit} ({100.0 * self.n / self.total:.0f}%)")
        else:
            parts.append(f"{self.n} {self.unit}")
        rate = f"{self.n / elapsed:.1f}" if elapsed > 0 else "?"
        parts.append(f"{rate} {self.unit}/s {_format_time(elapsed)}")
        if self.postfix:
            parts.append(self.postfix)
        return " ".join(p for p in parts if p)

    def _write(self, line: str) -> None:
        stream = self.file if self.file is not None else sys.stderr
        stream.write(line + "\n")
        stream.flush()


class TqdmProgress:
    """The same interface over a live ``tqdm`` bar (used on terminals when tqdm is installed).

    Args:
        bar: a ``tqdm.tqdm`` instance.
    """

    def __init__(self, bar):
        self.bar = bar

    def __iter__(self) -> Iterator:
        return iter(self.bar)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def __len__(self) -> int:
        return len(self.bar)

    @property
    def n(self) -> int:
        """Units done so far."""
        return self.bar.n

    @property
    def total(self) -> int | None:
        """Expected number of units, or ``None``."""
        return self.bar.total

    def update(self, n: int = 1) -> None:
        """Count ``n`` more units done."""
        self.bar.update(n)

    def set_postfix(self, **kw) -> None:
        """Show ``key=value`` fields after the bar, e.g. ``loss=0.123 acc=97.1%``."""
        self.bar.set_postfix_str(format_postfix(**kw))

    def close(self) -> None:
        """Finish and release the bar (idempotent)."""
        self.bar.close()


def progress(
    iterable: Iterable | None = None,
    *,
    total: int | None = None,
    desc: str = "",
    unit: str = "it",
    disable: bool = False,
    file=None,
    leave: bool = True,
):
    """Wrap ``iterable`` (or count ``update`` calls) with a progress display.

    Args:
        iterable: items to iterate over, or ``None`` to drive the bar with ``update(n)``.
        total: expected number of units; defaults to ``len(iterable)`` when it has one.
        desc: label shown before the bar, e.g. ``"epoch 3/10"``.
        unit: name of one unit (``"it"``, ``"batch"``, ``"img"``, ``"B"``); the rate is ``unit``/s.
        disable: show nothing (iterating and ``update`` still work).
        file: text stream (default ``sys.stderr``).
        leave: keep the finished bar / print a final line.

    Returns:
        An object usable as an iterator and a context manager, with ``update(n=1)``,
        ``set_postfix(**kw)`` and ``close()``: ``TqdmProgress`` when tqdm is installed and
        ``file`` is a terminal, else ``PlainProgress``.

    >>> import io
    >>> out = io.StringIO()
    >>> sum(progress(range(4), desc="sum", file=out))
    6
    >>> out.getvalue().startswith("sum: 4/4 it (100%)")
    True
    """
    if total is None and iterable is not None:
        try:
            total = len(iterable)  # type: ignore[arg-type]
        except TypeError:
            total = None
    stream = file if file is not None else sys.stderr
    if not disable and _isatty(stream):
        try:
            from tqdm import tqdm
        except ImportError:
            tqdm = None
        if tqdm is not None:
            bar = tqdm(
                iterable,
                total=total,
                desc=desc or None,
                unit=unit,
                file=stream,
                leave=leave,
                dynamic_ncols=True,
            )
            return TqdmProgress(bar)
    return PlainProgress(iterable, total=total, desc=desc, unit=unit, disable=disable, file=file, leave=leave)
