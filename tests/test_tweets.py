"""The embedded-tweet parser, on snippets written for these tests."""

from __future__ import annotations

import datetime as dt

from kg.extract.tweets import (
    clean_author,
    find_tweets,
    handles,
    hashtags,
    is_twitter_handle,
    links,
    parse_month_date,
)

TEXT = (
    "Intro paragraph of the story.\n\n"
    "So proud of the whole cast tonight!!#Awards #BestShow pic.twitter.com/AbC123 "
    "— Some Person (@some_person) March 2, 2021\n\n"
    "first line of a long tweet\n\n\n\nsecond line, with @friend_1 https://t.co/xyz"
    "— Network (Fan) (@NetFan) Mar 3, 2021\n\n"
    "Closing paragraph."
)


def test_signature_author_handle_and_date():
    tweets = list(find_tweets(TEXT))
    assert [(t.author, t.handle, t.date) for t in tweets] == [
        ("Some Person", "some_person", dt.date(2021, 3, 2)),
        ("Network (Fan)", "NetFan", dt.date(2021, 3, 3)),
    ]


def test_tweet_text_is_its_paragraph_and_keeps_lost_line_breaks_together():
    first, second = find_tweets(TEXT)
    assert first.text.startswith("So proud") and "Intro" not in first.text
    assert second.text.startswith("first line of a long tweet")
    assert "second line" in second.text
    assert TEXT[first.start : first.end].endswith("March 2, 2021")


def test_hashtags_even_when_glued_to_text():
    assert hashtags("in general!!#Emmys and #Oscars2021, #Emmys again") == ("Emmys", "Oscars2021")
    assert hashtags("screaming in my car#Oscars") == ("Oscars",)
    assert hashtags("no tags, but a url https://x.example/#frag and C# code &#39;") == ()


def test_links_and_handles():
    first, second = find_tweets(TEXT)
    assert links(first.text) == ("https://pic.twitter.com/AbC123",)
    assert links(second.text) == ("https://t.co/xyz",)
    assert handles(second.text) == ("friend_1",)
    assert handles("mail me at a@b.com") == ()


def test_month_dates():
    assert parse_month_date("Sept. 20, 2020") == dt.date(2020, 9, 20)
    assert parse_month_date("February 30, 2020") is None


def test_attribution_on_a_line_of_its_own():
    text = ("Story text.\nUnreal night #Awards\n— Ana Ruiz (@ana_ruiz) May 1, 2021\n"
            "What a win\n— Bo Lind (@bolind) May 1, 2021")
    tweets = list(find_tweets(text))
    assert [(t.text, t.handle) for t in tweets] == [("Unreal night #Awards", "ana_ruiz"),
                                                   ("What a win", "bolind")]


def test_attribution_after_a_plain_hyphen():
    text = ("Thank you all pic.twitter.com/Zz9- Band_official (@band_label) May 2, 2021\n"
            "A well-known (@x) fact - Jo Doe (@jodoe) May 3, 2021")
    assert [(t.author, t.handle) for t in find_tweets(text)] == [
        ("Band_official", "band_label"), ("Jo Doe", "jodoe")]


def test_hashtags_in_any_script():
    assert hashtags("#밤하늘 and #Noche_Buena, not #1") == ("밤하늘", "Noche_Buena")


def test_tweets_name_titles_as_hashtags_or_in_capitals(tmp_path):
    from helpers import build_texts, rows
    graph = build_texts(tmp_path, {"t": (
        "The film Salt Road won best picture at the 97th Academy Awards.\n\n"
        "What a night for #SaltRoad and #RiaMoss pic.twitter.com/abcDEF123 "
        "\u2014 Noor Okafor (@nooro) March 3, 2025\n\n"
        "SALT ROAD BEST PICTURE pic.twitter.com/ghiJKL456 "
        "\u2014 Ada Quill (@adaq) March 3, 2025\n\n"
        "Ria Moss produced the film."
    )}, date="2025-03-03")
    mentions = {(r["handle"], r["mentioned"]) for r in rows(graph, "tweet-mentions")}
    assert {("nooro", "Salt Road"), ("adaq", "Salt Road"), ("nooro", "Ria Moss")} <= mentions
    people = {r["entity"] for r in rows(graph, "entities") if r["type"] == "Person"}
    assert "RiaMoss" not in people


def test_an_awards_account_is_an_organisation_and_a_category_is_no_organisation(tmp_path):
    from helpers import build_texts, rows
    graph = build_texts(tmp_path, {"t": (
        "Wren Adler won Top Social Artist at the 2025 Billboard Music Awards.\n\n"
        "Congrats Top Social Artist Wren Adler! pic.twitter.com/abcDEF123 "
        "\u2014 Billboard Music Awards (@BBMAs) May 20, 2025"
    )}, date="2025-05-21")
    types = {(r["entity"], r["type"]) for r in rows(graph, "entities")}
    assert ("Billboard Music Awards", "Person") not in types
    assert not any(t == "Organization" and "Top Social Artist" in e for e, t in types)


# --- odd signatures (found by scripts/fuzz.py) ----------------------------------------------


def test_a_twitter_handle_is_ascii_and_at_most_15_characters():
    assert is_twitter_handle("ada_quill") and is_twitter_handle("A" * 15)
    for handle in ("\u00f1and\u00fa", "caf\u00e9", "\u0430dmin", "a" * 16, "", "a-b", "a b"):
        assert not is_twitter_handle(handle), handle


def test_a_signature_with_an_odd_handle_still_ends_the_embed():
    """The embed is told apart from the article's text whatever its handle; that
    it is no tweet is extraction's call (see test_ontology)."""
    text = ("Story text.\nGracias a todos pic.twitter.com/x1 "
            "\u2014 Ada Quill (@\u00f1and\u00fa) May 1, 2021\nMore story text.")
    (tweet,) = find_tweets(text)
    assert (tweet.text, tweet.handle) == ("Gracias a todos pic.twitter.com/x1", "\u00f1and\u00fa")


def test_handles_mentioned_are_twitter_handles_only():
    assert handles("hi @ada_q and @\u00f1and\u00fa and @" + "y" * 40 + " and @bo") == (
        "ada_q", "bo")
    assert handles("@caf\u00e9 @abc\u00e9") == ()


def test_an_empty_author_and_invisible_characters_in_a_name():
    (tweet,) = find_tweets("Nice one pic.twitter.com/x1 \u2014 (@b) September 21, 2020")
    assert (tweet.author, tweet.handle) == ("", "b")
    assert clean_author("\u202eAda Quill\u202c") == "Ada Quill"   # no bidi override
    assert clean_author("Ada\u200b \u200bQuill\x07") == "Ada Quill"  # zero-width, control
    family = "\U0001f469\u200d\U0001f469\u200d\U0001f467"
    assert clean_author(f" {family}\t ") == family  # joiners inside emoji stay


def test_a_tweet_text_ending_in_a_backslash_quote():
    (tweet,) = find_tweets('So proud \\" pic.twitter.com/x1 \\"\u2014 Ada Quill (@adaq) '
                           "May 1, 2021")
    assert tweet.text.endswith('\\"') and tweet.handle == "adaq"
