"""kg's model multiplies with numpy's BLAS on one thread (``kg.matmul``): the
Docs are the same as with thinc's default, blis, and nothing else changes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from thinc.api import NumpyOps, get_current_ops, set_current_ops

from kg.matmul import numpy_matmul
from kg.nlp import load_model

ROOT = Path(__file__).resolve().parent.parent

# invented text with people, works, a network and a dependency-rich sentence
TEXT = ("Ada Quill won best actress at the Harbor Awards on Sunday for her role in "
        "The Long Tide, which airs on Channel Nine. Jon Vance, who directed it, "
        "thanked the cast and said he had not expected the award.")


def _annotations(doc) -> list[tuple]:
    return [(t.text, t.tag_, t.pos_, t.dep_, t.head.i, t.lemma_, t.ent_iob_, t.ent_type_,
             t.is_sent_start) for t in doc]


def _uses_blis(nlp) -> set[bool]:
    models = [pipe.model for _, pipe in nlp.pipeline if getattr(pipe, "model", None) is not None]
    return {node.ops.use_blis for model in models for node in model.walk()
            if isinstance(node.ops, NumpyOps)}


def test_same_docs_as_with_blis() -> None:
    default = load_model()
    with numpy_matmul():
        numpy_nlp = load_model()
    assert _uses_blis(default) == {True}
    # every layer thinc runs uses numpy's BLAS (the transition parser's
    # output layer, which its own C loop multiplies with blis, aside)
    assert False in _uses_blis(numpy_nlp)
    assert sum(node.ops.use_blis for node in numpy_nlp.get_pipe("tok2vec").model.walk()) == 0
    assert get_current_ops().use_blis  # the context is left as it was
    texts = [TEXT, *(p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt")))]
    tokens = 0
    for a, b in zip(default.pipe(texts), numpy_nlp.pipe(texts), strict=True):
        assert _annotations(a) == _annotations(b)
        tokens += len(a)
    assert tokens > 1000


def test_blas_held_to_one_thread() -> None:
    # in a fresh process, where nothing has limited the BLAS yet
    code = ("from threadpoolctl import threadpool_info\n"
            "from kg.matmul import numpy_matmul\n"
            "import numpy\n"
            "with numpy_matmul():\n"
            "    pass\n"
            "print(sorted({i['num_threads'] for i in threadpool_info()"
            " if i['user_api'] == 'blas'}))\n")
    env_free = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env_free,
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[1]"


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
