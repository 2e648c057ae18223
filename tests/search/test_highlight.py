"""Highlights: a snippet around the first match, every matching word of it marked, as published."""

from __future__ import annotations

from apps.core.search import SNIPPET_WORDS, highlight

FILLER = " ".join(f"كلمة{n}" for n in range(40))


def test_every_matching_word_of_the_snippet_is_marked_as_published():
    text = f"{FILLER} قالت طالبان إن الطالبانيين وحركة «طالبان» باقية. {FILLER}"

    snippet = highlight(text, "طالبان")

    assert snippet.count("<mark>") == 3
    assert "<mark>طالبان</mark>" in snippet and "«<mark>طالبان</mark>»" in snippet
    assert snippet.startswith("…") and snippet.endswith("…")


def test_a_match_past_the_snippet_is_not_looked_for():
    text = f"طالبان {FILLER} طالبان"

    snippet = highlight(text, "طالبان")

    assert snippet.count("<mark>") == 1 and len(snippet.split()) == SNIPPET_WORDS


def test_the_same_words_give_the_same_answer_for_another_query():
    text = f"{FILLER} أفغانستان وطالبان"

    assert "<mark>أفغانستان</mark>" in highlight(text, "افغانستان")
    assert "<mark>أفغانستان</mark>" not in highlight(text, "طالبان")
    assert highlight(text, "بنجشير") is None


def test_the_text_is_read_only_as_far_as_the_snippet(monkeypatch):
    """A document's body is read word by word up to its first match and to the end of the snippet,
    not to its end: the whole of fifty bodies was most of a documents page's time in Python."""
    import apps.core.search as search

    words, read = search.WORD, []

    class Counting:
        def finditer(self, text):
            for token in words.finditer(text):
                read.append(token)
                yield token

    monkeypatch.setattr(search, "WORD", Counting())
    text = f"{FILLER} قالت طالبان إن الحركة باقية. {FILLER * 50}"

    snippet = highlight(text, "طالبان")

    assert snippet.count("<mark>") == 1 and len(snippet.split()) == SNIPPET_WORDS
    # the 40 words before the match, the match, and the rest of the snippet after it
    assert len(read) == 40 + 2 + SNIPPET_WORDS - (SNIPPET_WORDS // 3 + 1)
