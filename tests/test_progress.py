"""Progress bar: plain fallback (rate-limited lines, final line, postfix) and the tqdm path on a tty."""

import io

import pytest

from cnn_scratch.progress import PlainProgress, TqdmProgress, format_postfix, progress


class FakeClock:
    def __init__(self):
        self.t = 100.0

    def __call__(self):
        return self.t


class TTY(io.StringIO):
    def isatty(self):
        return True


def test_iterates_all_items_and_writes_one_final_line():
    out = io.StringIO()
    items = list(progress(range(7), desc="work", file=out))
    assert items == list(range(7))
    lines = out.getvalue().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("work: 7/7 it (100%)")
    assert "it/s" in lines[0]


def test_plain_lines_are_rate_limited_to_one_per_interval():
    out, clock = io.StringIO(), FakeClock()
    bar = PlainProgress(total=1000, desc="e", unit="img", file=out, clock=clock)
    for _ in range(50):  # 50 updates within 0.5 s: no line yet
        clock.t += 0.01
        bar.update(10)
    assert out.getvalue() == ""
    clock.t += 0.6  # now 1.1 s since the start
    bar.update(10)
    assert out.getvalue().count("\n") == 1
    bar.update(10)  # same instant: still one line
    assert out.getvalue().count("\n") == 1
    bar.close()
    bar.close()  # idempotent
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    # 520 images in 1.1 s of the fake clock -> 472.7 img/s
    assert lines[-1] == "e: 520/1000 img (52%) 472.7 img/s 0:00:01"


def test_postfix_format_and_context_manager():
    out, clock = io.StringIO(), FakeClock()
    with PlainProgress(total=4, unit="img", file=out, clock=clock) as bar:
        clock.t += 2.0
        bar.update(4)  # also prints: 2 s passed
        bar.set_postfix(loss=0.123, acc="97.1%")
    lines = out.getvalue().splitlines()
    assert lines[-1].endswith("2.0 img/s 0:00:02 loss=0.123 acc=97.1%")
    assert format_postfix(loss=1.0, step=3) == "loss=1 step=3"


def test_disable_writes_nothing_and_leave_false_skips_final_line():
    out = io.StringIO()
    assert sum(progress(range(5), disable=True, file=out)) == 10
    with progress(total=3, file=out, leave=False) as bar:
        bar.update(3)
    assert out.getvalue() == ""


def test_unknown_total_and_generator():
    out = io.StringIO()
    assert list(progress((i for i in range(3)), unit="batch", file=out)) == [0, 1, 2]
    assert out.getvalue().startswith("3 batch ")


def test_iterating_without_iterable_is_a_clear_error():
    with pytest.raises(TypeError, match="expected an iterable"):
        list(PlainProgress(total=3, file=io.StringIO()))


def test_tqdm_used_on_a_terminal_when_installed():
    pytest.importorskip("tqdm")
    out = TTY()
    bar = progress(total=10, desc="dl", unit="img", file=out)
    assert isinstance(bar, TqdmProgress)
    with bar:
        bar.update(5)
        bar.set_postfix(loss=0.5, acc="90.0%")
        assert bar.n == 5
    text = out.getvalue()
    assert "dl" in text and "loss=0.5 acc=90.0%" in text and "img/s" in text
    assert list(progress(range(3), file=TTY())) == [0, 1, 2]


def test_plain_fallback_when_not_a_terminal_even_with_tqdm():
    assert isinstance(progress(total=1, file=io.StringIO()), PlainProgress)


def test_plain_fallback_on_a_terminal_without_tqdm(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "tqdm", None)  # makes `from tqdm import tqdm` raise ImportError
    out = TTY()
    bar = progress(range(3), file=out, unit="img")
    assert isinstance(bar, PlainProgress)
    assert list(bar) == [0, 1, 2]
    assert "3/3 img (100%)" in out.getvalue()
