"""Import spaCy without its command line, where nothing will use it.

``import spacy`` runs ``from .cli.info import info`` (for ``spacy.info``),
which imports spaCy's whole CLI: typer, weasel, httpx, requests and more, a
third of spaCy's import time (0.2 of 0.6 s measured here). An extraction
process never uses it, and it pays that import on the critical path of every
build and every store add (see ``kg.extraction_process``).

``import_spacy_without_cli`` imports spaCy with a placeholder standing in for
``spacy.cli.info`` while spaCy's package runs; the placeholder is then
removed, so a later ``import spacy.cli`` (or ``spacy.info()``, which the
placeholder forwards to the real one) imports the real CLI as usual. It does
nothing when spaCy is already imported.

``group_entry_points`` makes the lookups of spaCy's registries cheaper while
a model loads (see there).
"""

from __future__ import annotations

import sys
import types
from typing import Any

_PLACEHOLDER = "spacy.cli.info"


def _info(*args: Any, **kwargs: Any) -> Any:
    """``spacy.info``, from the real CLI, imported when first called."""
    from spacy.cli.info import info

    return info(*args, **kwargs)


def import_spacy_without_cli() -> None:
    if "spacy" in sys.modules:
        return
    placeholder = types.ModuleType(_PLACEHOLDER)
    placeholder.info = _info  # type: ignore[attr-defined]
    sys.modules[_PLACEHOLDER] = placeholder
    try:
        import spacy  # noqa: F401 - imported for its side effect, with the placeholder
    finally:
        if sys.modules.get(_PLACEHOLDER) is placeholder:
            del sys.modules[_PLACEHOLDER]
        if "spacy.cli" in sys.modules:  # a later spaCy imported the CLI package anyway:
            # let the next import make it whole again
            for name in [n for n in sys.modules if n == "spacy.cli" or n.startswith("spacy.cli.")]:
                del sys.modules[name]


def group_entry_points() -> None:
    """Let spaCy's registries find the functions other packages add by one
    dict lookup. ``catalogue`` (the registries' library) lists every installed
    package's entry points once, and at each lookup of a registry (257 while
    the model loads) selects that registry's group from all of them anew: a
    tenth of a second of every model load, most of it on the critical path of
    a store add. It takes a dict of groups as well (what it is given on older
    Pythons), so it is given the same entry points, grouped once. Nothing is
    done if it holds anything else."""
    import catalogue

    found = catalogue.AVAILABLE_ENTRY_POINTS
    if isinstance(found, dict) and hasattr(found, "select") and hasattr(found, "groups"):
        catalogue.AVAILABLE_ENTRY_POINTS = {group: found.select(group=group)
                                            for group in found.groups}
