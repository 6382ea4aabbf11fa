"""Small words of the reader's sentences (a probe's analyst read them on their own exports)."""
from jamtools.present.outcomes import simultaneous_text
from jamtools.present.sentences import all_of, caution


def test_two_is_both():
    assert all_of(2, "jämförelser") == "båda jämförelser"
    assert all_of(3, "jämförelser") == "alla 3 jämförelser"


def test_a_caution_ends_as_a_sentence():
    assert caution("Få observationer") == "Observera: Få observationer."
    assert caution("tolka p-värdet försiktigt.") == "Observera: tolka p-värdet försiktigt."


def test_simultaneous_level_for_two_says_both():
    text = simultaneous_text(0.95, 2, 0.975)
    assert "för båda jämförelser tillsammans" in text and "alla 2" not in text


def test_a_sentence_opens_with_a_number_in_words():
    from jamtools.present.sentences import opening_number

    assert [opening_number(k) for k in (0, 1, 2, 12, 13)] == ["Ingen", "En", "Två", "Tolv", "13"]
