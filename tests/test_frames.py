"""Award frames: wins read off category mentions, on snippets written for these tests.

Every name and title here is invented. Each article exercises one phrasing
that no cue phrase of the older rules covered; the shipped queries check it.
"""

from __future__ import annotations

import pytest
from helpers import build_texts, rows

OSCARS_2025 = "97th Academy Awards"
SPIRIT_2025 = "40th Independent Spirit Awards"


@pytest.fixture(scope="module")
def frames_night(tmp_path_factory):
    folder = tmp_path_factory.mktemp("frames")
    return build_texts(folder, {
        "crowned": (
            "The Long Field was crowned best picture at the 97th Academy Awards on Sunday, "
            "ending a long awards season."
        ),
        "advcl": (
            "Ada Quill continued her sweep of the season at the 97th Academy Awards, winning "
            "best actress for her role in The Vane."
        ),
        "went_to": (
            "At the 97th Academy Awards, the award for best actor went to Ivo Marsh for his "
            "role as a lighthouse keeper in Tin Harbor."
        ),
    }, date="2025-03-03")


@pytest.fixture(scope="module")
def spirit_night(tmp_path_factory):
    folder = tmp_path_factory.mktemp("spirit")
    return build_texts(folder, {
        "spirit": (
            "Paper Lanterns was crowned best picture on Saturday at the Film Independent "
            "Spirit Awards, as Oscar favourite Salt Road scooped best international film.\n\n"
            "Paper Lanterns took two other prizes: best director for Noor Okafor and best "
            "supporting actress for Lia Brandt.\n\n"
            "Hana Sorel won best actress for her role in Night Ferry. Later, Sorel thanked "
            "her mother, and the Oscars were mentioned twice more: the Oscars are next week."
        ),
    }, date="2025-02-23")


def _winners(graph) -> set[tuple[str, str, str, str]]:
    return {(r["winner"], r["category"], r["work"], r["ceremony"]) for r in rows(graph, "winners")}


def test_a_title_crowned_with_a_program_category(frames_night):
    assert ("The Long Field", "Best Picture", "The Long Field", OSCARS_2025) in \
        _winners(frames_night)


def test_a_participle_win_takes_the_subject_of_its_clause(frames_night):
    assert ("Ada Quill", "Best Actress", "The Vane", OSCARS_2025) in _winners(frames_night)


def test_the_award_for_a_category_went_to_a_person(frames_night):
    assert ("Ivo Marsh", "Best Actor", "Tin Harbor", OSCARS_2025) in _winners(frames_night)


def test_titles_in_frame_slots_are_works(frames_night):
    works = {r["work"] for r in rows(frames_night, "works")}
    assert {"The Long Field", "The Vane", "Tin Harbor"} <= works


def test_the_ceremony_named_in_the_opening_is_the_articles_award(spirit_night):
    ceremonies = {r["ceremony"] for r in rows(spirit_night, "winners")}
    assert ceremonies == {SPIRIT_2025}


def test_program_category_paraphrase_maps_to_the_awards_own_name(spirit_night):
    # the Spirit Awards call their top prize "Best Feature"
    assert ("Paper Lanterns", "Best Feature", "Paper Lanterns", SPIRIT_2025) in \
        _winners(spirit_night)


def test_categories_listed_with_their_winners(spirit_night):
    winners = _winners(spirit_night)
    assert ("Noor Okafor", "Best Director") in {(w, c) for w, c, _, _ in winners}
    assert ("Lia Brandt", "Best Supporting Female") in {(w, c) for w, c, _, _ in winners}


def test_gender_of_a_category_paraphrase(spirit_night):
    # "best actress" is the Spirit Awards' "Best Female Lead", never a male category
    assert ("Hana Sorel", "Best Female Lead", "Night Ferry", SPIRIT_2025) in _winners(spirit_night)


@pytest.fixture(scope="module")
def lists_night(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lists")
    return build_texts(folder, {
        "contenders": (
            "Paper Lanterns won the Oscar for best picture at the 97th Academy Awards.\n\n"
            "Other contenders for Best Picture were All Quiet in the Northern Bay, Avatar: The "
            "Salt Sea, Glass Orchard and Women Walking."
        ),
        "including": (
            "At the 97th Academy Awards, Salt Road won seven prizes, while Paper Lanterns took "
            "four – including best actress for Hana Sorel – and Glass Orchard scored two."
        ),
        "role": (
            "Mira Castell made history on the night at the 97th Academy Awards, becoming the "
            "first deaf actor to win, for her role in Quiet Harbour."
        ),
        "cast": (
            "\"Glass Orchard\" cast members Tomas Ferreira, Ada Okafor and Priya Raman "
            "presented a clip onstage during the 97th Academy Awards."
        ),
        "if_title": (
            "If Rivers Could Sing was crowned best documentary at the 97th Academy Awards."
        ),
    }, date="2025-03-03")


def test_a_nominee_list_after_a_category_names_works(lists_night):
    noms = {(r["nominee"], r["category"], r["won"]) for r in rows(lists_night, "nominations")}
    for title in ("All Quiet in the Northern Bay", "Avatar: The Salt Sea", "Glass Orchard",
                  "Women Walking"):
        assert (title, "Best Picture", "false") in noms
    assert ("Paper Lanterns", "Best Picture", "true") in noms


def test_a_category_inside_an_including_phrase(lists_night):
    assert ("Hana Sorel", "Best Actress", "Paper Lanterns", OSCARS_2025) in _winners(lists_night)


def test_a_role_phrase_credits_the_clause_subject(lists_night):
    credits = {(r["person"], r["work"]) for r in rows(lists_night, "credits")}
    assert ("Mira Castell", "Quiet Harbour") in credits


def test_cast_members_of_a_title(lists_night):
    credits = {(r["person"], r["work"]) for r in rows(lists_night, "credits")}
    assert {("Tomas Ferreira", "Glass Orchard"), ("Ada Okafor", "Glass Orchard"),
            ("Priya Raman", "Glass Orchard")} <= credits


def test_a_title_opening_with_a_conjunction(lists_night):
    assert ("If Rivers Could Sing", "Best Documentary Feature", "If Rivers Could Sing",
            OSCARS_2025) in _winners(lists_night)


@pytest.fixture(scope="module")
def listicle(tmp_path_factory):
    folder = tmp_path_factory.mktemp("listicle")
    return build_texts(folder, {
        "winners": (
            "Winners\n\n"
            "Paper Lanterns – The period drama missed out on best film but it was the toast of "
            "the Baftas, picking up five wins including for leading actress Hana Sorel and "
            "supporting actress Lia Brandt.\n\n"
            "Ivo Marsh – The veteran has been a force in the industry for 30 years and finally "
            "won his first Bafta at the ceremony."
        ),
    }, date="2025-02-17")


def test_a_heading_title_and_categories_followed_by_their_winners(listicle):
    winners = {(w, c, work) for w, c, work, _ in _winners(listicle)}
    assert ("Hana Sorel", "Best Actress in a Leading Role", "Paper Lanterns") in winners
    assert ("Lia Brandt", "Best Actress in a Supporting Role", "Paper Lanterns") in winners


def test_winning_the_award_itself_names_no_category(listicle):
    assert not {c for w, c, _, _ in _winners(listicle) if w == "Ivo Marsh"} - {""}


def test_a_numbered_ceremony_counts_the_years_an_award_skipped():
    from kg.gazetteer import load_gazetteer

    tony = load_gazetteer().award_named("Tony Award")  # no ceremony in 2020
    assert (tony.ordinal_for(2019), tony.ordinal_for(2024)) == (73, 77)
    assert tony.year_for(74) == 2021


@pytest.fixture(scope="module")
def music_night(tmp_path_factory):
    folder = tmp_path_factory.mktemp("music")
    return build_texts(folder, {
        "grammys": (
            "Wren Adler has won the best new artist and best pop award at the 67th Annual "
            "Grammy Awards."
        ),
        "bets": (
            "Koray and Lune were the top winners at the 2025 BET Awards on Sunday.\n\n"
            "Koray took best international act and also best collaboration for Mado's "
            "\u201cSalt Water\u201d.\n\n"
            "This year saw many first-time winners, including best female R&B/pop artist "
            "(Lune) and Tessa Vale (best actress)."
        ),
        "amas": (
            "The Rivets also took home the award for Favorite Rock Song for their 2025 summer "
            "hit \"Paper Kites\" at the 2025 American Music Awards."
        ),
    }, date="2025-06-30")


def test_coordinated_categories_and_a_prize_noun(music_night):
    won = {(w, c) for w, c, _, _ in _winners(music_night)}
    assert ("Wren Adler", "Best New Artist") in won
    assert any(w == "Wren Adler" and c.startswith("Best Pop") for w, c in won)


def test_an_artist_prize_goes_to_the_name_in_the_slot(music_night):
    won = {(w, c, work) for w, c, work, _ in _winners(music_night)}
    assert ("Koray", "Best International Act", "") in won
    assert ("Koray", "Best Collaboration", "Salt Water") in won


def test_names_beside_categories_in_parentheses(music_night):
    won = {(w, c) for w, c, _, _ in _winners(music_night)}
    assert {("Lune", "Best Female R&B/Pop Artist"), ("Tessa Vale", "Best Actress")} <= won


def test_a_song_prize_won_by_a_band_for_its_hit(music_night):
    won = {(w, c, work) for w, c, work, _ in _winners(music_night)}
    assert ("The Rivets", "Favorite Rock Song", "Paper Kites") in won


def test_portrayal_of_a_character_in_a_title(tmp_path):
    graph = build_texts(tmp_path, {"p": (
        "Bram Oduya won the best actor Oscar at the 97th Academy Awards for his portrayal of "
        "Edwin Harrow in Lantern Street."
    )}, date="2025-03-03")
    credits = {(r["person"], r["work"], r["character"]) for r in rows(graph, "credits")}
    assert ("Bram Oduya", "Lantern Street", "Edwin Harrow") in credits


def test_cast_members_with_hyphenated_given_names(tmp_path):
    graph = build_texts(tmp_path, {"c": (
        "\"Moon Harbor\" cast members Park Min-jun, Seo Ha-eun and Kim Do-yun presented a "
        "clip onstage during the 2025 SAG Awards."
    )}, date="2025-02-24")
    credits = {(r["person"], r["work"]) for r in rows(graph, "credits")}
    assert {("Park Min-jun", "Moon Harbor"), ("Seo Ha-eun", "Moon Harbor"),
            ("Kim Do-yun", "Moon Harbor")} <= credits


def test_titles_alternating_with_names_in_a_list(tmp_path):
    graph = build_texts(tmp_path, {"alt": (
        "Ivo Marsh bested Tomas Ferreira, Phantom Lantern, Daniel Okafor, Saltwater Harbor, "
        "and Maria Quill, Copper Sky to win the Best Actor trophy at the 97th Academy Awards."
    )}, date="2025-03-03")
    credits = {(r["person"], r["work"]) for r in rows(graph, "credits")}
    assert {("Tomas Ferreira", "Phantom Lantern"), ("Daniel Okafor", "Saltwater Harbor")} <= credits


@pytest.fixture(scope="module")
def shared_words(tmp_path_factory):
    folder = tmp_path_factory.mktemp("shared")
    return build_texts(folder, {
        "grammys": (
            "Wren Adler has won best new artist at the 67th Annual Grammy Awards.\n\n"
            "The singer arrived with four nominations - best new artist, album, record, and "
            "song of the year.\n\n"
            "While accepting the award, Adler thanked her band.\n\n"
            "Later, Cole Barrow whose 'Cinder Street' won the Grammy for best country album "
            "thanked his family. The band's track 'Paper Kites' won best rock performance."
        ),
    }, date="2025-02-03"), build_texts(tmp_path_factory.mktemp("oscars"), {
        "oscars": (
            "Ivo Marsh and Ada Quill won best actor and actress at the 97th Academy Awards "
            "on Sunday."
        ),
    }, date="2025-03-03")


def _nominations(graph) -> set[tuple[str, str, str]]:
    return {(r["nominee"], r["category"], r["won"]) for r in rows(graph, "nominations")}


def test_a_category_list_sharing_its_tail_names_each_category(shared_words):
    noms = _nominations(shared_words[0])
    for category in ("Album of the Year", "Record of the Year", "Song of the Year"):
        assert ("Wren Adler", category, "false") in noms


def test_the_award_after_a_list_of_nominations_is_the_one_won(shared_words):
    assert ("Wren Adler", "Song of the Year", "true") not in _nominations(shared_words[0])


def test_a_quoted_record_wins_a_music_prize(shared_words):
    won = {(w, c, work) for w, c, work, _ in _winners(shared_words[0])}
    assert ("Cole Barrow", "Best Country Album", "Cinder Street") in won
    assert ("Paper Kites", "Best Rock Performance", "Paper Kites") in won


def test_coordinated_people_and_categories_pair_in_order(shared_words):
    won = {(w, c.split()[1]) for w, c, _, _ in _winners(shared_words[1])}
    assert won == {("Ivo Marsh", "Actor"), ("Ada Quill", "Actress")}


def test_a_work_after_the_category_and_its_prize_noun(tmp_path):
    graph = build_texts(tmp_path, {"v": (
        "At the MTV Video Music Awards on Tuesday, Wren Adler won the coveted Video of the "
        "Year award with Night-Swim, earning her fourth trophy of the evening."
    )}, date="2025-09-10")
    won = {(w, c, work) for w, c, work, _ in _winners(graph)}
    assert ("Wren Adler", "Video of the Year", "Night-Swim") in won


def test_up_for_a_list_of_categories_is_a_nomination_for_each(tmp_path):
    graph = build_texts(tmp_path, {"u": (
        "At the 2025 Billboard Music Awards, fans waited for hours. Koray was also up for "
        "two awards - Top Social Artist and Top Duo/Group."
    )}, date="2025-05-20")
    noms = _nominations(graph)
    assert {("Koray", "Top Social Artist", "false"), ("Koray", "Top Duo/Group", "false")} <= noms


def test_titles_a_noun_introduces_and_an_ensemble_prize(tmp_path):
    graph = build_texts(tmp_path, {"w": (
        "Wren Adler became prominent after the albums titled Glass Hours and Salt Water. "
        "Her tenth studio album, Copper Lake, which she teased last year, sold well.\n\n"
        "The cast of Tin Harbor won Outstanding Performance by a Cast in a Motion Picture at "
        "the 31st annual SAG Awards."
    )}, date="2025-02-24")
    works = {r["work"] for r in rows(graph, "works")}
    assert {"Glass Hours", "Salt Water", "Copper Lake", "Tin Harbor"} <= works
    won = {(w, c) for w, c, _, _ in _winners(graph)}
    assert ("Tin Harbor", "Outstanding Performance by a Cast in a Motion Picture") in won


def test_characters_named_after_a_description_or_a_possessive(tmp_path):
    graph = build_texts(tmp_path, {"c": (
        "Tomas Brandt won best supporting actor for his portrayal of US government official "
        "Lewis Strand in Copper Lake at the 97th Academy Awards.\n\n"
        "Ada Quill was named best actress for her acclaimed portrayal of theoretical "
        "physicist J Ross Hale. Critics loved Ada Quill's heroine Evelyn."
    )}, date="2025-03-03")
    credits = {(r["person"], r["work"], r["character"]) for r in rows(graph, "credits")}
    assert ("Tomas Brandt", "Copper Lake", "Lewis Strand") in credits
    assert any(p == "Ada Quill" and c == "Evelyn" for p, _, c in credits)
    winners = {w for w, _, _, _ in _winners(graph)}
    assert winners == {"Tomas Brandt", "Ada Quill"}


def test_an_artist_prize_names_no_work(tmp_path):
    graph = build_texts(tmp_path, {"a": (
        "Koray Dunn sang on Mado's \u201cSalt Water\u201d this spring.\n\n"
        "At the 2025 BET Awards, Koray Dunn won best male R&B/pop artist for the first "
        "time. Koray Dunn wasn't present to accept his award."
    )}, date="2025-06-30")
    won = {(w, c, work) for w, c, work, _ in _winners(graph)}
    assert ("Koray Dunn", "Best Male R&B/Pop Artist", "") in won
