"""Jekyll's smartify (kramdown's SmartyPants), which jekyll-feed applies to every title."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feedpub.sources.typography import smartify


@pytest.mark.parametrize(
    ("written", "smart"),
    [
        # titles from jekyllrb.com, as jekyll-feed 0.17 publishes them
        ("Meet Jekyll's New Lead Developer", "Meet Jekyll’s New Lead Developer"),
        ("Jekyll Turns 21! Err... I mean 2.1.0.", "Jekyll Turns 21! Err… I mean 2.1.0."),
        ('"Hello" -- it\'s fine', "“Hello” – it’s fine"),
        ("'single' and \"double\"", "‘single’ and “double”"),
        ("back in the '80s", "back in the ’80s"),
        ("A---B", "A—B"),
        ("He said, \"'Quoted' words.\"", "He said, “‘Quoted’ words.”"),
        ('<a href="x">Jekyll\'s</a>', '<a href="x">Jekyll’s</a>'),
        ('如何理解 "文档"', "如何理解 “文档”"),
        ("no quotes at all", "no quotes at all"),
    ],
)
def test_smartify_matches_kramdown(written, smart):
    assert smartify(written) == smart


@given(st.text(alphabet=st.sampled_from(list("ab '\"-.<>区\n\\")), max_size=40))
def test_smartify_changes_only_quotes_dashes_and_dots(text):
    smart = smartify(text)

    plain = smart.translate(str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"'}))
    plain = plain.replace("—", "---").replace("–", "--").replace("…", "...")
    assert plain == text
