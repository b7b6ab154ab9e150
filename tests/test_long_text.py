"""Long articles: parsed in pieces that join back into one Doc; huge files refused."""

from __future__ import annotations

from kg.articles import MAX_ARTICLE_BYTES, load_articles
from kg.nlp import load_pipeline, parse, pieces

PARAGRAPH = ("Ada Quill won Best Actress for Paper Lanterns at the Tony Awards. "
             "Tomas Brandt hosted the ceremony in New York.\n\n")


def test_pieces_join_back_and_respect_the_limit():
    text = PARAGRAPH * 40 + "no boundary " * 3 + "x" * 500
    parts = pieces(text, limit=300)
    assert "".join(parts) == text
    assert all(len(p) <= 300 for p in parts)
    assert all(p.endswith("\n\n") for p in parts[:10])  # cut at paragraph breaks first


def test_a_text_longer_than_a_piece_parses_into_one_doc(monkeypatch):
    import kg.nlp

    nlp = load_pipeline()
    text = PARAGRAPH * 30
    whole = next(parse(nlp, [text]))
    monkeypatch.setattr(kg.nlp, "PIECE_CHARS", 500)
    assert len(pieces(text, kg.nlp.PIECE_CHARS)) > 5
    joined = next(kg.nlp.parse(nlp, [text, "Short one."]))
    assert joined.text == text
    assert [t.idx for t in joined] == [t.idx for t in whole]
    assert [(e.start_char, e.label_, e.ent_id_) for e in joined.ents] == \
        [(e.start_char, e.label_, e.ent_id_) for e in whole.ents]
    assert any(e.ent_id_ for e in joined.ents)  # the gazetteer's ids survive the join
    assert [(t.lemma_, t.dep_, t.head.i) for t in joined] == \
        [(t.lemma_, t.dep_, t.head.i) for t in whole]
    assert len(list(joined.sents)) == len(list(whole.sents))


def test_a_file_past_the_limit_is_skipped_with_its_name(tmp_path, monkeypatch):
    import kg.articles

    monkeypatch.setattr(kg.articles, "MAX_ARTICLE_BYTES", 1000)
    (tmp_path / "huge.txt").write_text("date 2021-01-01\n" + PARAGRAPH * 20, encoding="utf-8")
    (tmp_path / "fine.txt").write_text("date 2021-01-01\n" + PARAGRAPH, encoding="utf-8")
    articles, errors = load_articles([tmp_path])
    assert [a.id for a in articles] == ["fine"]
    assert len(errors) == 1 and errors[0].path.name == "huge.txt"
    assert "too long" in errors[0].problem and MAX_ARTICLE_BYTES > 1000


def test_an_article_past_spacys_own_limit_builds_with_its_batch(tmp_path, monkeypatch):
    """spaCy refuses a text over ``nlp.max_length`` (error E088); kg parses such an
    article in pieces, so it and the rest of its batch build."""
    import kg.nlp
    from kg.builder import build_graph

    nlp = load_pipeline()
    monkeypatch.setattr(nlp, "max_length", 3000)
    monkeypatch.setattr(kg.nlp, "PIECE_CHARS", 1000)
    (tmp_path / "long.txt").write_text("date 2021-01-01\n" + PARAGRAPH * 60, encoding="utf-8")
    (tmp_path / "short.txt").write_text(
        "date 2021-01-01\nRob Hale won Best Actor for Tin Harbor at the Tony Awards.\n",
        encoding="utf-8")
    assert (tmp_path / "long.txt").stat().st_size > 2 * nlp.max_length
    with build_graph([tmp_path], jobs=1) as result:
        assert result.errors == [] and result.articles == 2
        names = {str(o) for o in result.graph.objects(None, None)}
    assert {"Ada Quill", "Rob Hale", "Paper Lanterns", "Tin Harbor"} <= names
