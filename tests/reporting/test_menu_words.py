"""A page file the menu has no translated label for is named by its file name as words: the first word capitalised,
the abbreviations partners read in capitals ("EPC by offer", not "Epc by offer"); a translated label wins."""

import pytest

from cabinet.ui.menu import label_words


@pytest.mark.parametrize(
    ("label", "words"),
    [
        ("epc_by_offer", "EPC by offer"),
        ("top_sub_ids", "Top sub IDs"),
        ("ftds_by_country", "FTDs by country"),
        ("cr_and_ltv", "CR and LTV"),
        ("payout_history", "Payout history"),
        ("Daily_KPIs", "Daily KPIs"),
    ],
)
def test_a_new_page_is_named_by_its_file_name(label: str, words: str) -> None:
    assert label_words(label, "en") == words


def test_a_translated_label_is_used() -> None:
    assert label_words("dashboard", "en") == "Dashboard"
    assert label_words("dashboard", "ru") != "Dashboard"
