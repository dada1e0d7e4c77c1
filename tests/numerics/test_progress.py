"""numerics.progress: one progress bar, on stderr, and ``quiet=True`` silences it without changing what is iterated."""

from __future__ import annotations

from numerics.progress import progress


def test_quiet_passes_every_item_through_and_writes_nothing(capsys):
    assert list(progress(range(5), desc="quietly", quiet=True)) == [0, 1, 2, 3, 4]
    with progress(total=3, desc="manual", quiet=True) as bar:
        bar.update(3)
    assert capsys.readouterr() == ("", "")


def test_a_bar_goes_to_stderr_with_its_description(capsys):
    assert list(progress(iter("abc"), total=3, desc="loud bar")) == ["a", "b", "c"]
    out, err = capsys.readouterr()
    assert out == "" and "loud bar" in err and "/3" in err  # left cleared when done (leave=False)
