"""A reader never sees a data-model code: every code a table or figure shows as a row has a
Swedish label. A probe's r4_03 showed the indicator 'genomforandeplan_finns' as
"Genomforandeplan_finns" beside "Uppföljning i tid"."""
from __future__ import annotations

import pytest

from jamtools.data.model import TABLES
from jamtools.present.report import label

#: Codes shown by a chapter through labels of its own (ru's target groups, ks's instruments,
#: eb's end reasons, which are folded into statuses), and sex (SEX_LABELS).
OWN_LABELS = {("ru_ansokningar", "malgrupp"), ("ks_elever", "instrument"), ("eb_utfall", "avslutsorsak")}


@pytest.mark.parametrize("table", sorted(TABLES))
def test_every_code_a_chapter_shows_has_a_label(table):
    missing = [f"{c.name}: {code}" for c in TABLES[table].columns if c.name != "kon"
               and (table, c.name) not in OWN_LABELS for code in c.allowed or () if label(code) == code]
    assert not missing, missing
