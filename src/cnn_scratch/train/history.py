"""``History``: one row of figures per training epoch, saved as JSON or CSV.

A row holds ``epoch``, ``train_loss``, ``train_acc``, ``val_loss``, ``val_acc``,
``seconds``, ``images_per_s`` and ``lr``. Accuracies are fractions in [0, 1];
a figure that was not measured (no validation data, a regression loss) is ``None``.
Floats are written with ``repr`` so a JSON or CSV round trip gives back the same
numbers bit for bit.
Read next: ``loop.py``, which fills a History while it trains.
"""

from __future__ import annotations

import csv
import json
import math
import os

from .._atomic import atomic_open
from .._validate import fail

FIELDS = ("epoch", "train_loss", "train_acc", "val_loss", "val_acc", "seconds", "images_per_s", "lr")
"""Column names, in order."""


def _clean(value):
    """Turn NaN into ``None`` and NumPy scalars into Python numbers (JSON-able)."""
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


class History:
    """Per-epoch training figures; ``history.val_acc`` is the column as a list.

    Args:
        records: optional list of row dicts (keys from ``FIELDS``).

    >>> h = History()
    >>> h.append(epoch=1, train_loss=0.5, train_acc=0.75)
    >>> h.append(epoch=2, train_loss=0.25, train_acc=0.875)
    >>> h.train_loss, h.val_acc, len(h)
    ([0.5, 0.25], [None, None], 2)
    """

    def __init__(self, records: list[dict] | None = None):
        self.records: list[dict] = []
        for row in records or []:
            self.append(**row)

    def append(self, **row) -> None:
        """Add one epoch's row; unknown keys are an error, missing ones become ``None``."""
        unknown = sorted(set(row) - set(FIELDS))
        if unknown:
            fail("History.append", f"keys from {FIELDS}", f"unknown keys {unknown}")
        self.records.append({k: _clean(row.get(k)) for k in FIELDS})

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self):
        return iter(self.records)

    def __getitem__(self, index: int) -> dict:
        return self.records[index]

    def __getattr__(self, name: str) -> list:
        if name in FIELDS:
            return [row[name] for row in self.__dict__.get("records", [])]
        raise AttributeError(f"'History' object has no attribute {name!r}")

    def __eq__(self, other) -> bool:
        return isinstance(other, History) and self.records == other.records

    def __repr__(self) -> str:
        return f"History({len(self)} epochs)"

    # -- JSON -----------------------------------------------------------------------
    def to_dict(self) -> dict:
        """Return ``{"fields": [...], "records": [...]}`` (JSON-able; also used in checkpoints)."""
        return {"fields": list(FIELDS), "records": [dict(r) for r in self.records]}

    @classmethod
    def from_dict(cls, data: dict) -> History:
        """Rebuild a History from ``to_dict()`` output."""
        if not isinstance(data, dict) or not isinstance(data.get("records"), list):
            fail(
                "History.from_dict",
                'a dict with a "records" list',
                f"{type(data).__name__} {str(data)[:80]}",
                hint="pass what History.to_dict() or History.to_json() produced.",
            )
        return cls(data["records"])

    def to_json(self, path: str | os.PathLike) -> None:
        """Write the history as JSON (strict JSON: missing figures are ``null``), atomically."""
        with atomic_open(path, "w", encoding="utf-8") as f:
            json.dump(self.to_dict(), f, indent=1, allow_nan=False)
            f.write("\n")

    @classmethod
    def from_json(cls, path: str | os.PathLike) -> History:
        """Read a history written by ``to_json``."""
        with open(path, encoding="utf-8") as f:
            try:
                data = json.load(f)
            except json.JSONDecodeError as e:
                fail("History.from_json", "a JSON file written by History.to_json", f"{path}: {e}")
        return cls.from_dict(data)

    # -- CSV ------------------------------------------------------------------------
    def to_csv(self, path: str | os.PathLike) -> None:
        """Write one header line and one line per epoch (a missing figure is an empty cell), atomically."""
        with atomic_open(path, "w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(FIELDS)
            for row in self.records:
                writer.writerow(["" if row[k] is None else repr(row[k]) for k in FIELDS])

    @classmethod
    def from_csv(cls, path: str | os.PathLike) -> History:
        """Read a history written by ``to_csv`` (``epoch`` as int, the rest as float)."""
        with open(path, encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
        records = []
        for row in rows:
            rec = {}
            for k in FIELDS:
                cell = row.get(k) or ""
                rec[k] = None if cell == "" else (int(cell) if k == "epoch" else float(cell))
            records.append(rec)
        return cls(records)
