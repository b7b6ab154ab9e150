"""Reading pickled facts with a shared reader."""

from __future__ import annotations

import dataclasses
import datetime as dt
import pickle

from kg.records import ArticleFacts, CeremonyRef, Evidence, NominationFact, Ref, SharedReader


def _facts(article: str) -> ArticleFacts:
    ev = Evidence(article, 0, 30, "Ada Quill won the Harbor Prize.")
    nomination = NominationFact(Ref("person", "Ada Quill"), None, None,
                                CeremonyRef("Harbor Prize", 2024), True, ev)
    # the same nomination twice: two facts, which resolution tells apart
    return ArticleFacts(article, f"{article}.txt", dt.date(2024, 3, 1),
                        nominations=[nomination, NominationFact(*(
                            getattr(nomination, f) for f in nomination.__slots__))])


def test_equal_values_are_read_as_one_object_across_articles() -> None:
    reader = SharedReader()
    a, b = (reader.loads(pickle.dumps(_facts(n))) for n in ("one", "two"))
    assert a == _facts("one") and b == _facts("two")
    assert a.nominations[0].nominee is b.nominations[1].nominee
    assert a.nominations[0].ceremony is b.nominations[0].ceremony
    assert a.nominations[0].evidence is a.nominations[1].evidence
    assert a.nominations[0].evidence is not b.nominations[0].evidence  # another article
    # facts themselves are never merged, even when equal
    assert a.nominations[0] == a.nominations[1]
    assert a.nominations[0] is not a.nominations[1]


def test_separate_readers_share_nothing() -> None:
    a = SharedReader().loads(pickle.dumps(_facts("one")))
    b = SharedReader().loads(pickle.dumps(_facts("one")))
    assert a == b and a.nominations[0].nominee is not b.nominations[0].nominee


def test_a_digest_of_facts_does_not_depend_on_which_equal_values_are_one_object() -> None:
    """A store skips an article whose facts came out the same; facts read with a
    shared reader hold one object where fresh ones hold two equal ones."""
    from kg.storeparts import facts_digest

    def fresh() -> ArticleFacts:  # every value its own object
        return ArticleFacts("one", "one.txt", dt.date(2024, 3, 1), nominations=[
            NominationFact(Ref("person", "Ada " + "Quill"), None, None,
                           CeremonyRef("Harbor " + "Prize", 2024), n == 0,
                           Evidence("one", 0, 30, "Ada Quill won the " + "Harbor Prize."))
            for n in range(2)])

    read = SharedReader().loads(pickle.dumps(fresh()))
    assert read.nominations[0].nominee is read.nominations[1].nominee
    assert pickle.dumps(read) != pickle.dumps(fresh())  # why a pickle cannot be the digest
    assert facts_digest(read) == facts_digest(fresh())
    assert facts_digest(read) != facts_digest(_facts("one"))


def test_confidences_are_shared_floats_across_articles_but_facts_stay_apart() -> None:
    from kg.records import CreditFact

    def facts(article: str) -> ArticleFacts:
        ev = Evidence(article, 0, 28, "Ada Quill stars in Tin Gulls.")
        credit = CreditFact(Ref("person", "Ada Quill"), Ref("work", "Tin Gulls"), ev,
                            confidence=3 / 4)
        f = _facts(article)
        f.credits = [credit]
        f.nominations = [dataclasses.replace(n, confidence=0.5 + n.won / 4)
                         for n in f.nominations]
        return f

    reader = SharedReader()
    a, b = (reader.loads(pickle.dumps(facts(n))) for n in ("one", "two"))
    assert a == facts("one") and b == facts("two")
    assert a.credits[0].confidence == 0.75
    assert a.credits[0].confidence is b.credits[0].confidence is a.nominations[0].confidence
    assert a.nominations[0] is not a.nominations[1]
    # another reader shares nothing with this one
    c = SharedReader().loads(pickle.dumps(facts("one")))
    assert c.credits[0].confidence == 0.75
    assert c.credits[0].confidence is not a.credits[0].confidence
