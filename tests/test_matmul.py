"""kg's model multiplies with numpy's BLAS, on one thread, in blocks of a fixed
number of rows (``kg.matmul``): the labels are those of thinc's default,
blis, and a text gets the same numbers alone as in any batch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from thinc.api import NumpyOps, get_current_ops, set_current_ops

from kg import matmul
from kg.matmul import ROWS, RowStableOps, in_blocks, numpy_matmul
from kg.nlp import load_model, load_pipeline
from kg.passes import doc_keys

ROOT = Path(__file__).resolve().parent.parent

# invented text with people, works, a network and a dependency-rich sentence
TEXT = ("Ada Quill won best actress at the Harbor Awards on Sunday for her role in "
        "The Long Tide, which airs on Channel Nine. Jon Vance, who directed it, "
        "thanked the cast and said he had not expected the award.")
SHORT = "Ada Quill won."


def _seeds() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]


def _annotations(doc) -> list[tuple]:
    return [(t.text, t.tag_, t.pos_, t.dep_, t.head.i, t.lemma_, t.ent_iob_, t.ent_type_,
             t.is_sent_start) for t in doc]


def _ops_kinds(nlp) -> dict[str, set[type]]:
    """For each pipe with a model, the kinds of ops of its layers."""
    return {name: {type(node.ops) for node in pipe.model.walk()}
            for name, pipe in nlp.pipeline if getattr(pipe, "model", None) is not None}


def test_blocks_give_a_row_the_same_numbers_anywhere() -> None:
    rng = np.random.default_rng(7)
    w = rng.standard_normal((288, 288), dtype=np.float32)
    x = rng.standard_normal((2 * ROWS + 13, 288), dtype=np.float32)
    whole = in_blocks(x, w)
    assert np.allclose(whole, x @ w, rtol=1e-4, atol=1e-4)
    for start, stop in ((0, 1), (5, 6), (7, 40), (ROWS - 3, ROWS + 9), (1, 2 * ROWS + 13)):
        assert np.array_equal(in_blocks(x[start:stop], w), whole[start:stop])
    # into a given array, from a transposed weight (as thinc's layers call it)
    out = np.empty_like(whole)
    got = RowStableOps().gemm(x, np.ascontiguousarray(w.T), out=out, trans2=True)
    assert got is out and np.array_equal(out, whole)


def test_same_labels_as_with_blis() -> None:
    default = load_model()
    with numpy_matmul():
        numpy_nlp = load_model()
    assert get_current_ops().use_blis  # the context is left as it was
    assert all(kinds == {NumpyOps} for kinds in _ops_kinds(default).values())
    kinds = _ops_kinds(numpy_nlp)
    if matmul.rows_stable():  # (else this machine's BLAS keeps blis)
        assert kinds["tok2vec"] == {RowStableOps}
        # the transition models' output layers, which their own C loop
        # multiplies with blis, are made with thinc's plain ops
        assert kinds["parser"] == kinds["ner"] == {RowStableOps, NumpyOps}
    tokens = 0
    for a, b in zip(default.pipe([TEXT, *_seeds()]), numpy_nlp.pipe([TEXT, *_seeds()]),
                    strict=True):
        assert _annotations(a) == _annotations(b)
        tokens += len(a)
    assert tokens > 1000


def test_kgs_pipeline_gives_a_text_the_same_numbers_alone_and_in_a_batch() -> None:
    nlp = load_pipeline()
    # (blis where this machine's BLAS fails the probe)
    assert _ops_kinds(nlp)["tok2vec"] == {RowStableOps if matmul.rows_stable() else NumpyOps}
    alone = nlp(SHORT)
    with_others = list(nlp.pipe([TEXT, SHORT, *_seeds()]))[1]
    assert alone.tensor.size and np.array_equal(alone.tensor, with_others.tensor)
    assert _annotations(alone) == _annotations(with_others)
    pair = list(nlp.pipe([SHORT, "Jon Vance lost."]))[0]
    assert np.array_equal(alone.tensor, pair.tensor)


def test_every_layer_gives_a_text_the_same_numbers_alone_and_in_a_batch(
        monkeypatch: pytest.MonkeyPatch) -> None:
    nlp = load_pipeline()
    if not matmul.rows_stable():
        pytest.skip("this machine's BLAS fails the probe: the model keeps blis")
    products = []
    multiply = RowStableOps.gemm

    def recording(self, *args, **kwargs):
        got = multiply(self, *args, **kwargs)
        products.append(np.array(got))
        return got

    monkeypatch.setattr(RowStableOps, "gemm", recording)
    tokens = len(nlp(SHORT))
    alone = products[:]
    products.clear()
    list(nlp.pipe([SHORT, TEXT, *_seeds()]))
    # each layer's product over a batch starts with the first text's rows (the
    # convolution's layers pad each text's rows on both sides: the rows of its
    # tokens are compared)
    assert len(alone) == len(products) >= 10
    for by_itself, in_batch in zip(alone, products, strict=True):
        assert len(in_batch) > len(by_itself)
        pad = (len(by_itself) - tokens) // 2
        assert np.array_equal(by_itself[pad:pad + tokens], in_batch[pad:pad + tokens])


def test_the_probe_finds_unstable_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    def unblocked(x, w, out=None):
        return np.matmul(x, w, out=out)

    rng = np.random.default_rng(3)
    w = rng.standard_normal((288, 288), dtype=np.float32)
    x = rng.standard_normal((300, 288), dtype=np.float32)
    if all(np.array_equal(x[i:i + 1] @ w, (x @ w)[i:i + 1]) for i in range(3)):
        pytest.skip("this machine's BLAS gives a row the same numbers however many rows")
    assert matmul.probed_rows_stable()
    monkeypatch.setattr(matmul, "in_blocks", unblocked)
    assert not matmul.probed_rows_stable()


def test_the_probes_answer_is_kept_for_this_blas(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    if not matmul._blas():
        pytest.skip("threadpoolctl names no BLAS here: probed every time")
    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path))
    probed: list[bool] = []
    probe = matmul.probed_rows_stable
    monkeypatch.setattr(matmul, "probed_rows_stable", lambda: probed.append(probe()) or probed[-1])
    answer = matmul.rows_stable.__wrapped__()
    assert probed == [answer]
    [kept] = tmp_path.glob("rows-stable-*.json")
    assert matmul.rows_stable.__wrapped__() == answer and len(probed) == 1  # read, not probed
    kept.write_bytes(kept.read_bytes().replace(b"yes" if answer else b"no", b"maybe"))
    assert matmul.rows_stable.__wrapped__() == answer and len(probed) == 2  # damaged: probed
    monkeypatch.setattr(matmul, "_blas", lambda: "openblas-0.0.1-AnotherProcessor")
    assert matmul.rows_stable.__wrapped__() == answer and len(probed) == 3  # another BLAS


def test_docs_are_filed_under_how_the_model_multiplied() -> None:
    with_blocks, plain = matmul.kind(load_pipeline()), matmul.kind(load_model())
    assert plain == "thinc-NumpyOps-True"
    if matmul.rows_stable():
        assert with_blocks.startswith(f"rows{ROWS}-") and len(with_blocks) > len(f"rows{ROWS}-")
    digests = ["a" * 64]
    assert doc_keys(load_pipeline(), digests, "f") != doc_keys(load_model(), digests, "f")


def test_blas_held_to_one_thread_here_and_in_forked_processes() -> None:
    # a fresh process whose BLAS starts with two threads
    code = """
import json, os
import numpy
from threadpoolctl import threadpool_info
from kg.matmul import numpy_matmul
def blas():
    return sorted({i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"})
before = blas()
with numpy_matmul():
    pass
read, write = os.pipe()
if os.fork() == 0:
    os.write(write, json.dumps(blas()).encode())
    os._exit(0)
os.wait()
print(json.dumps([before, blas(), json.loads(os.read(read, 100))]))
"""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    env["OPENBLAS_NUM_THREADS"] = "2"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                         capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == [[2], [1], [1]]


class _OtherOps(NumpyOps):
    """Ops of another kind (as a GPU's or Apple's would be)."""

    name = "test-other"


def test_other_ops_left_as_they_are() -> None:
    before = get_current_ops()
    other = _OtherOps()
    set_current_ops(other)
    try:
        with numpy_matmul():
            assert get_current_ops() is other
    finally:
        set_current_ops(before)


def test_a_blas_whose_rows_are_unstable_keeps_blis(monkeypatch: pytest.MonkeyPatch) -> None:
    before = get_current_ops()
    monkeypatch.setattr(matmul, "rows_stable", lambda: False)
    with numpy_matmul():
        assert get_current_ops() is before and before.use_blis
