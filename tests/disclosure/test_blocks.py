"""A distribution shown beside a share of a block of its categories (bof_04: the reasons beside
the share of reports about the child's own behaviour). A probe found, with 34 girls' reports of
which 10 were about behaviour, the three environment reasons shown as 6, 6 and 9 and the fourth
hidden: 34 − 10 − 21 = 3 gave it back. ``disclose_distribution(..., blocks=)`` protects each
block with its total published."""
from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from jamtools import disclosure
from jamtools.disclosure import extend_with_totals, is_small, pinned
from jamtools.stats.categorical import distribution_by_group

BLOCKS = {"vald": False, "omsorg": False, "missbruk": False, "konflikt": False,
          "psykisk": True, "skola": True, "kriminalitet": True}


def _rows(counts: dict) -> pd.DataFrame:
    return pd.DataFrame([{"kon": sex, "orsak": cat} for sex, by in counts.items()
                         for cat, n in by.items() for _ in range(n)])


def _pinned_small(shown: pd.DataFrame, truth: pd.DataFrame, threshold: int) -> list:
    """Small hidden counts that a block's totals by sex (published by the share) and the
    counts shown pin down: (category, sex)."""
    out = []
    for block in set(BLOCKS.values()):
        cats = [c for c in BLOCKS if BLOCKS[c] == block and c in set(truth["orsak"])]
        grid = truth[truth["orsak"].isin(cats)].pivot(index="orsak", columns="kon", values="events")
        hidden_grid = (shown[shown["orsak"].isin(cats)].pivot(index="orsak", columns="kon", values="events")
                       .reindex_like(grid).isna())
        ext = extend_with_totals(grid.to_numpy(float))
        hidden = np.zeros(ext.shape, bool)
        hidden[:-1, :-1] = hidden_grid.to_numpy()
        # each sex's block total is the share's count (hidden when small); the page shows no
        # category's total over the sexes
        hidden[-1, :-1] = is_small(ext[-1, :-1], threshold)
        hidden[:, -1] = True
        small = np.zeros(ext.shape, bool)
        values = grid.to_numpy(float)
        small[:-1, :-1] = (hidden_grid.to_numpy() & is_small(values.ravel(), threshold).reshape(values.shape)
                           & (values > 0))
        for i, j in np.argwhere(pinned(ext, hidden, among=small)):
            out.append((grid.index[i], grid.columns[j]))
    return out


def test_the_probes_table_gave_a_hidden_reason_back_and_blocks_protect_it():
    counts = {"flicka": {"vald": 6, "omsorg": 6, "missbruk": 9, "konflikt": 3,
                         "psykisk": 4, "skola": 3, "kriminalitet": 3},
              "pojke": {"vald": 7, "omsorg": 8, "missbruk": 11, "konflikt": 3,
                        "psykisk": 5, "skola": 5, "kriminalitet": 4}}
    dist = distribution_by_group(_rows(counts), "orsak")
    plain = disclosure.disclose_distribution(dist, "orsak", threshold=5)
    assert _pinned_small(plain, dist, 5)  # the leak the probe found, or one like it
    shown = disclosure.disclose_distribution(dist, "orsak", threshold=5, blocks=BLOCKS)
    assert not _pinned_small(shown, dist, 5)
    assert disclosure.is_disclosed(shown)
    assert shown.loc[is_small(dist["events"], 5) & (dist["events"] > 0), "events"].isna().all()


@pytest.mark.parametrize("threshold", [3, 5, 10])
def test_no_small_reason_follows_from_a_block_total(threshold):
    rng = np.random.default_rng(threshold)
    choices = [0, 1, 2, 3, 4, 6, 7, 9, 12, 20]
    for _ in range(25):
        counts = {sex: {c: int(rng.choice(choices)) for c in BLOCKS} for sex in ("flicka", "pojke")}
        rows = _rows(counts)
        if rows.empty or rows["kon"].nunique() < 2:
            continue
        dist = distribution_by_group(rows, "orsak")
        shown = disclosure.disclose_distribution(dist, "orsak", threshold=threshold, blocks=BLOCKS)
        assert not _pinned_small(shown, dist, threshold), counts


def test_share_blocks_needs_one_flag_per_category():
    cats = pd.Series(["a", "a", "b", "c"])
    assert disclosure.share_blocks(cats, pd.Series([True, True, False, False])) == {
        "a": True, "b": False, "c": False}
    assert disclosure.share_blocks(cats, pd.Series([True, False, False, False])) is None
    # a cell table: a cell without units does not count
    assert disclosure.share_blocks(cats, pd.Series([True, False, False, False]),
                                   pd.Series([3, 0, 2, 1])) == {"a": True, "b": False, "c": False}


@pytest.mark.parametrize("threshold", [3, 5, 10])
def test_the_hidden_cells_of_a_line_do_not_add_up_to_a_small_count(threshold):
    """A probe's boys before the change: Trummor 6, two instruments hidden, the rest 0, of 8:
    the two hidden added up to 2, so (as zeros are shown) each was 1. Where a line's total is
    shown, its hidden cells add up to at least the threshold, or nothing is hidden in it."""
    from jamtools.disclosure import protect

    rng = np.random.default_rng(threshold)
    for _ in range(40):
        grid = rng.choice([0, 0, 1, 2, 6, 9, 14], size=(6, 2)).astype(float)
        primary = is_small(grid.ravel(), threshold).reshape(grid.shape) & (grid > 0)
        mask = protect(grid, primary, threshold=threshold)
        ext = extend_with_totals(grid)
        lines = [[(i, j) for j in range(ext.shape[1])] for i in range(ext.shape[0])] + \
                [[(i, j) for i in range(ext.shape[0])] for j in range(ext.shape[1])]
        for line in lines:
            if mask[line[-1]]:
                continue
            rest = sum(ext[p] for p in line[:-1] if mask[p])
            assert rest == 0 or rest >= threshold, (grid.tolist(), line)
    probe = np.array([[6, 9], [1, 4], [1, 3], [0, 5], [0, 7]], float)
    mask = protect(probe, is_small(probe.ravel(), 5).reshape(probe.shape) & (probe > 0), threshold=5)
    boys_hidden = extend_with_totals(probe)[:-1, 0][mask[:-1, 0]].sum()
    assert mask[-1, 0] or boys_hidden == 0 or boys_hidden >= 5


def test_a_small_block_total_is_the_group_size_less_the_other_block():
    """A review: girls' environment reasons 6, 6, 9 and 10 shown (31) beside n = 34, and the
    three behaviour reasons of 1 each hidden: they add up to 3, so each was 1. The block's total
    (3) is small, so the share hides it, but the group size gives it back: the whole table is
    protected too."""
    counts = {"flicka": {"vald": 6, "omsorg": 6, "missbruk": 9, "konflikt": 10,
                         "psykisk": 1, "skola": 1, "kriminalitet": 1},
              "pojke": {"vald": 12, "omsorg": 9, "missbruk": 14, "konflikt": 11,
                        "psykisk": 8, "skola": 9, "kriminalitet": 7}}
    dist = distribution_by_group(_rows(counts), "orsak")
    shown = disclosure.disclose_distribution(dist, "orsak", threshold=5, blocks=BLOCKS)
    girls = shown[shown["kon"] == "flicka"]
    hidden_sum = dist.loc[girls.index[girls["events"].isna()], "events"].sum()
    assert hidden_sum == 0 or hidden_sum >= 5
    assert not _pinned_small(shown, dist, 5)
