"""The command line: build, query, validate, viz; errors and exit codes."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import kg_on_a_terminal, seeds_winner

from kg.cli import main

ROOT = Path(__file__).resolve().parent.parent
SEEDS_WINNER = seeds_winner()


def kg(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """``python -m kg ARGS`` in a process of its own (builds fork workers and
    free the model, which this test process should not)."""
    return subprocess.run([sys.executable, "-m", "kg", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300)


def kg_here(*args: str) -> subprocess.CompletedProcess:
    """The same for commands that only read (query, validate), run in this
    process: what they print and the exit code ``main`` returns."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse's own errors and --help
            code = exc.code if isinstance(exc.code, int) else 2
    return subprocess.CompletedProcess(["kg", *args], code, out.getvalue(), err.getvalue())


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    result = kg("build", "seeds", "-o", str(out), "--no-html")
    assert result.returncode == 0, result.stderr
    return out / "graph.ttl"


def test_build_reports_bad_files_and_still_builds_the_rest(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "good.txt").write_text(" date 2020-09-21 Jane Roe won an Emmy.", encoding="utf-8")
    (src / "binary.txt").write_bytes(b"\x00\x01\x02")
    (src / "nodate.txt").write_text("hello", encoding="utf-8")
    out = tmp_path / "out"
    result = kg("build", str(src), str(tmp_path / "nope.txt"), "-o", str(out), "--no-html")
    assert result.returncode == 1
    err = result.stderr
    assert "binary.txt: binary file" in err
    assert "nodate.txt: missing date line" in err
    assert "nope.txt: no such file or folder" in err
    assert (out / "graph.ttl").exists()
    # no temporary files left; the lock stays (free) for the next build
    assert sorted(p.name for p in out.iterdir()) == [".kg.lock", "graph.ttl"]


def test_the_database_a_killed_build_left_is_removed_by_the_next(tmp_path):
    from kg.builder import WORK_PREFIX, build_graph

    out = tmp_path / "out"
    stale = out / f"{WORK_PREFIX}4999999-abc"  # above Linux's largest process id
    live = out / f"{WORK_PREFIX}{os.getpid()}-def"  # a build still running: this process
    for folder in (stale, live):
        folder.mkdir(parents=True)
        (folder / "LOCK").write_text("", encoding="utf-8")
    (tmp_path / "a.txt").write_text(" date 2021-03-01 Ada Quill won an Emmy.", encoding="utf-8")
    with build_graph([tmp_path / "a.txt"], workdir=out) as result:
        assert result.triples > 0
        assert not stale.exists() and live.exists()
        ours = [p for p in out.iterdir() if p not in (live,)]
        assert len(ours) == 1 and ours[0].name.startswith(f"{WORK_PREFIX}{os.getpid()}-")
    assert [p.name for p in out.iterdir()] == [live.name]  # its own database removed


def test_build_with_nothing_readable_writes_nothing(tmp_path):
    (tmp_path / "empty").mkdir()
    out = tmp_path / "out"
    result = kg("build", str(tmp_path / "empty"), "-o", str(out))
    assert result.returncode == 2
    assert "folder contains no article files" in result.stderr
    assert not (out / "graph.ttl").exists()


def test_query_by_name_in_every_format(built):
    csv_out = kg_here("query", "winners", "--graph", str(built), "--format", "csv").stdout
    assert csv_out.splitlines()[0] == "winner,category,work,ceremony"
    assert SEEDS_WINNER in csv_out
    data = json.loads(kg_here("query", "winners", "--graph", str(built), "--format", "json").stdout)
    assert data[0]["winner"] == SEEDS_WINNER
    tsv = kg_here("query", "winners", "--graph", str(built), "--format", "tsv").stdout
    assert tsv.splitlines()[0].split("\t") == ["winner", "category", "work", "ceremony"]
    table = kg_here("query", "winners", "--graph", str(built)).stdout
    assert "(1 row)" in table


def test_query_inline_sparql_with_predeclared_prefixes_and_rq_files(built, tmp_path):
    out = kg_here("query", "SELECT ?n WHERE { ?p a schema:Person ; schema:name ?n } ORDER BY ?n",
             "--graph", str(built), "--format", "csv").stdout
    assert SEEDS_WINNER in out
    rq = tmp_path / "mine.rq"
    rq.write_text("SELECT (COUNT(*) AS ?tweets) WHERE { ?t a schema:SocialMediaPosting }")
    assert kg_here("query", str(rq), "--graph", str(built), "--format", "csv").stdout.split() == [
        "tweets", "7"]


def test_query_syntax_error_names_line_and_column(built):
    result = kg_here("query", "SELECT ?x WHERE {\n  ?x a schema:Person .\n  FILTER( }", "--graph",
                str(built))
    assert result.returncode == 2
    assert "SPARQL syntax error at line 3" in result.stderr


def test_query_unknown_name_lists_the_shipped_ones(built):
    result = kg_here("query", "winnerz", "--graph", str(built))
    assert result.returncode == 2
    assert "no shipped query named 'winnerz'" in result.stderr and "winners" in result.stderr


def test_query_parameters_must_be_given_and_named_right(built, tmp_path):
    """``entity`` without its name, or with a misspelt one, would run unbound and
    answer for every entity: both are refused, saying what to give."""
    missing = kg_here("query", "entity", "--graph", str(built))
    assert missing.returncode == 2 and not missing.stdout
    assert 'needs --param "name=..."' in missing.stderr
    misspelt = kg_here("query", "winners", "--graph", str(built), "--param", "winer=x")
    assert misspelt.returncode == 2 and "no variable ?winer" in misspelt.stderr
    assert "?winner" in misspelt.stderr  # the variables it has
    # a category is OPTIONAL there: the wins in that category, not every win shown with it
    every = list(csv.DictReader(io.StringIO(kg_here(
        "query", "winners", "--graph", str(built), "--format", "csv").stdout)))
    category = every[0]["category"]
    one = kg_here("query", "winners", "--graph", str(built), "--format", "csv",
                  "--param", f"category={category}")
    assert one.returncode == 0
    assert list(csv.DictReader(io.StringIO(one.stdout))) == [
        row for row in every if row["category"] == category]
    none = kg_here("query", "winners", "--graph", str(built), "--format", "csv",
                   "--param", "category=No Such Category")
    assert none.returncode == 0 and list(csv.DictReader(io.StringIO(none.stdout))) == []
    named = kg_here("query", "entity", "--graph", str(built), "--param", f"name={SEEDS_WINNER}",
                    "--format", "csv")
    assert named.returncode == 0 and SEEDS_WINNER in named.stdout
    # a variable in a string, an IRI or a comment is no variable of the query
    rq = tmp_path / "strings.rq"
    rq.write_text('# ?who is asked below\nSELECT ?n WHERE { ?p schema:name ?n '
                  'FILTER(?n != "?who" && ?p != <urn:x?who>) }')
    text = kg_here("query", str(rq), "--graph", str(built), "--param", "who=x")
    assert text.returncode == 2 and "no variable ?who" in text.stderr
    # a query's own file asks for a parameter as the shipped ones do
    rq.write_text('# Names one person. Use: kg query people.rq --param "who=Ada Quill"\n'
                  "SELECT ?p WHERE { ?p schema:name ?who }")
    asked = kg_here("query", str(rq), "--graph", str(built))
    assert asked.returncode == 2 and 'needs --param "who=..."' in asked.stderr
    assert kg_here("query", str(rq), "--graph", str(built), "--param",
                   f"who={SEEDS_WINNER}").returncode == 0


def test_query_list_describes_every_shipped_query():
    out = kg_here("query", "--list").stdout
    for name in ("winners", "nominations", "credits", "works", "ceremonies", "tweets",
                 "tweet-hashtags", "tweet-mentions", "outlets", "quotes", "entities"):
        assert name in out
    lines = dict(line.split(None, 1) for line in out.splitlines())
    # the opening comment only: the notes below its bare "#" are for readers of the query
    assert lines["nominations"] == ("Every nomination, winners included: nominee, category, "
                                    "work, ceremony and whether it won.")
    assert "Oxigraph" not in out


def test_query_over_a_file_runs_on_oxigraph_without_loading_the_build(built, tmp_path):
    code = ("import sys; from kg.cli import main; rc = main(['query', 'winners', '--graph', "
            f"{str(built)!r}, '--format', 'csv']); "
            "print('spacy' in sys.modules, 'rdflib.plugins.sparql' in sys.modules); "
            "sys.exit(rc)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert SEEDS_WINNER in result.stdout
    assert result.stdout.splitlines()[-1] == "False False"  # no spaCy, no rdflib SPARQL


def test_query_over_n_quads_sees_every_named_graph(tmp_path):
    result = kg("build", "seeds", "-o", str(tmp_path), "--no-html", "--export", "nq")
    assert result.returncode == 0, result.stderr
    out = kg_here("query", "winners", "--graph", str(tmp_path / "graph.nq"),
                  "--format", "csv").stdout
    assert SEEDS_WINNER in out


def test_an_unreadable_graph_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix x: <", encoding="utf-8")
    result = kg_here("query", "winners", "--graph", str(bad))
    assert result.returncode == 2 and "bad.ttl: not a readable Turtle file" in result.stderr


def test_missing_graph_is_a_clear_error(tmp_path):
    result = kg_here("query", "winners", "--graph", str(tmp_path / "none.ttl"))
    assert result.returncode == 2 and "no such graph file" in result.stderr


def test_viz_reads_what_it_can_and_says_what_it_cannot(tmp_path):
    """A folder, a triple as a term (RDF 1.2) and a missing file are clear
    errors; a relative IRI is read against the file, as rdflib reads it."""
    page = str(tmp_path / "page.html")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "graph.ttl").write_text("", encoding="utf-8")
    folder = kg_here("viz", str(tmp_path / "out"), "-o", page)
    assert folder.returncode == 2 and "a folder, not a graph file" in folder.stderr
    assert str(tmp_path / "out" / "graph.ttl") in folder.stderr
    checked = kg_here("validate", str(tmp_path / "out"))  # the same words from validate
    assert checked.returncode == 2 and "a folder, not a graph file" in checked.stderr
    quoted = tmp_path / "quoted.ttl"
    quoted.write_text("<urn:a> <urn:b> <<( <urn:c> <urn:d> <urn:e> )>> .\n", encoding="utf-8")
    triple_term = kg_here("viz", str(quoted), "-o", page)
    assert triple_term.returncode == 2 and "RDF 1.2 triple term" in triple_term.stderr
    assert "quoted.ttl: not a readable Turtle file" in triple_term.stderr
    missing = kg_here("viz", str(tmp_path / "none.ttl"), "-o", page)
    assert missing.returncode == 2 and "no such graph file" in missing.stderr
    relative = tmp_path / "relative.ttl"
    relative.write_text('<#ada> a <https://schema.org/Person> ; '
                        '<https://schema.org/name> "Ada Quill" .\n', encoding="utf-8")
    drawn = kg_here("viz", str(relative), "-o", page)
    assert drawn.returncode == 0 and "(1 nodes" in drawn.stderr
    assert "Ada Quill" in (tmp_path / "page.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(("command", "explained"), [
    ("build", ["exit code is 1 if any was skipped", "--store", "--jobs", "--dask", "--export"]),
    ("query", ["predeclared", "--param", "--endpoint", "--format"]),
    ("push", ["Graph Store", "replacing it", "--batch",
              "KG_ENDPOINT_PASSWORD", "--retries"]),
    ("serve", ["read-only", "--timeout", "--allow-service"]),
    ("validate", ["SHACL"]),
    ("viz", ["--focus", "--evidence-nodes", "--screenshot"]),
])
def test_help_explains_each_command(command, explained, capsys):
    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    out = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    assert done.value.code == 0
    missing = [text for text in explained if text not in out]
    assert not missing, f"kg {command} --help does not mention {missing}"


def test_odd_file_names_and_hostile_text_make_valid_turtle(tmp_path):
    import pyoxigraph
    from rdflib import Graph

    src = tmp_path / "in"
    src.mkdir()
    (src / "my story (1) <é>.txt").write_text(
        ' date 2021-03-01 Jane "<b>" Roe won an Emmy. "Hi" \\ \u2028 she said.\n\n'
        "<script>alert(1)</script> pic.twitter.com/x \u2014 Evil <b> (@evil) March 1, 2021\n\n"
        'Ends in an escaped quote \\"\n\u2014 Ada Quill (@adaq) March 1, 2021',
        encoding="utf-8")
    out = tmp_path / "out"
    assert kg("build", str(src), "-o", str(out), "--no-html", "--export", "nt,nq,trig,jsonld"
              ).returncode == 0
    for fmt in ("ttl", "nt", "nq", "trig", "jsonld"):  # every file, in both libraries
        assert len(pyoxigraph.Dataset(pyoxigraph.parse(path=str(out / f"graph.{fmt}")))) > 0
    graph = Graph().parse(out / "graph.ttl", format="turtle")
    assert any(str(o).endswith('\\"') for o in graph.objects(None, None))
    texts = {str(o) for o in graph.objects(None, None)}
    assert any(t.startswith("<script>alert(1)</script>") for t in texts)
    assert kg_here("validate", str(out / "graph.ttl")).returncode == 0


@pytest.mark.slow
def test_builds_do_not_depend_on_hash_seeds(tmp_path):
    outputs = []
    for seed in ("1", "2"):
        out = tmp_path / seed
        env_cmd = [sys.executable, "-m", "kg", "build", "seeds", "-o", str(out), "--no-html"]
        subprocess.run(env_cmd, cwd=ROOT, check=True, capture_output=True, timeout=300,
                       env={**__import__("os").environ, "PYTHONHASHSEED": seed})
        outputs.append((out / "graph.ttl").read_bytes())
    assert outputs[0] == outputs[1]


@pytest.mark.slow
def test_build_in_two_processes_writes_the_same_bytes(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    for out, jobs in ((one, "1"), (two, "2")):
        result = kg("build", "seeds", "tests/data/heldout", "-o", str(out), "--no-html",
                    "--jobs", jobs)
        assert result.returncode == 0, result.stderr
    assert (one / "graph.ttl").read_bytes() == (two / "graph.ttl").read_bytes()
    assert kg("build", "seeds", "--jobs", "0").returncode == 2


def test_folder_entries_that_are_not_articles_are_each_named(tmp_path):
    src = tmp_path / "in"
    (src / "sub.txt").mkdir(parents=True)  # a folder named like an article
    (src / "sub.txt" / "inner.txt").write_text(" date 2021-03-01 Ada Quill won an Emmy.",
                                               encoding="utf-8")
    (src / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    os.mkfifo(src / "pipe.txt")  # reading it would block for ever
    (src / "loop").symlink_to(src)  # a link back up the tree: read once, not for ever
    out = tmp_path / "out"
    result = kg("build", str(src), "-o", str(out), "--no-html")
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert f"kg: skipped {src / 'gone.txt'}: broken symbolic link (to " \
           f"{tmp_path / 'nowhere.txt'})" in lines
    assert f"kg: skipped {src / 'pipe.txt'}: not a regular file (a pipe, socket or device)" \
           in lines
    assert any(line.startswith(f"kg: skipped {src / 'sub.txt'}: a folder named like an "
                               "article") for line in lines)
    assert "built 1 article(s)" in result.stderr  # inner.txt, once


def test_no_command_shows_a_traceback(monkeypatch, capsys):
    from kg import cli

    def broken(args):
        raise RuntimeError("the gazetteer is\nbroken")

    monkeypatch.setattr(cli, "cmd_validate", broken)
    monkeypatch.delenv("KG_DEBUG", raising=False)
    assert cli.main(["validate", "x.ttl"]) == cli.EXIT_NOTHING
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "validate failed: RuntimeError: the gazetteer is broken" in err
    monkeypatch.setenv("KG_DEBUG", "1")
    with pytest.raises(RuntimeError):
        cli.main(["validate", "x.ttl"])


def test_the_program_leaves_what_is_alive_at_its_end_to_the_system(monkeypatch):
    """``kg`` as a program (``run``) returns the command's exit code with what is
    still alive frozen out of the collector's reach, so the exit does not scan
    it all once more (``main``, which tests and other programs call, leaves
    the collector alone)."""
    import gc
    import tomllib

    from kg import cli

    frozen_while_running: list[int] = []

    def command() -> int:
        frozen_while_running.append(gc.get_freeze_count())
        return cli.EXIT_SOME_FAILED

    monkeypatch.setattr(cli, "main", command)
    gc.unfreeze()
    try:
        assert cli.run() == cli.EXIT_SOME_FAILED
        assert frozen_while_running == [0] and gc.get_freeze_count() > 0  # after, not before
    finally:
        gc.unfreeze()
    # the program as installed and as ``python -m kg``
    root = Path(__file__).resolve().parent.parent
    scripts = tomllib.loads((root / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["kg"] == "kg.cli:run"
    assert "sys.exit(run())" in (root / "kg" / "__main__.py").read_text()


def test_a_build_gives_its_memory_back_only_when_more_follows(tmp_path, monkeypatch):
    """Once the graph is written, a build frees what it resolved and gives the
    memory back (a full collection, a trim) for the steps that follow: the
    page, a file written from the database. With neither, it exits without."""
    from kg import builder

    given = []
    monkeypatch.setattr(builder, "give_back", lambda: given.append(1))
    assert main(["build", "seeds", "-o", str(tmp_path / "a"), "--no-html", "-q",
                 "--export", "nt"]) == 0
    assert given == []
    assert main(["build", "seeds", "-o", str(tmp_path / "b"), "--no-html", "-q",
                 "--export", "jsonld"]) == 0
    assert given == [1]
    assert (tmp_path / "b" / "graph.jsonld").stat().st_size > 0
    assert main(["build", "seeds", "-o", str(tmp_path / "c"), "-q", "--export", "nt"]) == 0
    assert given == [1, 1]
    assert (tmp_path / "c" / "graph.html").stat().st_size > 0


def test_a_page_is_read_and_drawn_with_the_collector_paused(built, tmp_path, monkeypatch):
    """Reading the graph and drawing it make what the page is made from; the
    collector's scans of it were a tenth of ``kg viz`` (``cmd_viz``). It runs
    again after, and a build's own page is drawn the same way."""
    import gc

    import kg.viz
    from kg import cli

    seen: list[tuple[str, bool]] = []
    read_graph_file, render_html = cli._read_graph_file, kg.viz.render_html

    def loading(path, read, *rest, **options):
        seen.append(("read", gc.isenabled()))
        return read_graph_file(path, read, *rest, **options)

    def drawing(graph, out, **options):
        seen.append(("drawn", gc.isenabled()))
        return render_html(graph, out, **options)

    monkeypatch.setattr(cli, "_read_graph_file", loading)
    monkeypatch.setattr(kg.viz, "render_html", drawing)
    assert kg_here("viz", str(built), "-o", str(tmp_path / "page.html")).returncode == 0
    assert seen == [("read", False), ("drawn", False)] and gc.isenabled()
    assert "vis-network" in (tmp_path / "page.html").read_text(encoding="utf-8")

    seen.clear()
    (tmp_path / "a.txt").write_text(" date 2021-03-01 Ada Quill won Best Drama Actress at the "
                                    "Harbor Awards.", encoding="utf-8")
    assert cli.main(["build", str(tmp_path / "a.txt"), "-o", str(tmp_path / "out"), "-q"]) == 0
    assert seen == [("drawn", False)] and gc.isenabled()
    assert (tmp_path / "out" / "graph.html").exists()


def test_a_query_rdflib_could_not_evaluate_is_answered(built):
    result = kg_here("query", "SELECT (SUM(IF(EXISTS { ?w kg:won true }, 1, 0)) AS ?n) "
                         "WHERE { ?s a kg:Nomination }", "--graph", str(built),
                "--format", "csv")
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.splitlines()[1]) > 0


def test_a_graph_too_large_for_a_page_gets_no_html_and_says_how_to_draw_part(
        tmp_path, monkeypatch, capsys):
    from kg import cli

    out = tmp_path / "out"
    out.mkdir()
    (out / "graph.html").write_text("a page of an earlier, smaller build")
    monkeypatch.setattr(cli, "HTML_MAX_TRIPLES", 100)  # the seeds make about 570
    assert cli.main(["build", "seeds", "-o", str(out), "-q"]) == cli.EXIT_OK
    err = capsys.readouterr().err
    assert "graph.html not written" in err and "kg viz" in err and "--focus" in err
    assert "the old graph.html was removed" in err
    assert (out / "graph.ttl").exists() and not (out / "graph.html").exists()


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_build_on_a_terminal_keeps_a_progress_line_and_ends_it_before_its_last_word(tmp_path):
    # a narrow terminal: each line must fit it, or a carriage return redraws
    # only the last row of a wrapped one
    code, text = kg_on_a_terminal("build", "seeds", "-o", str(tmp_path / "out"), "--no-html",
                                  "--jobs", "1", cwd=ROOT, columns=72)
    assert code == 0
    lines = [part.strip() for part in text.split("\r")]
    steps = [line.split("[")[0].split(None, 2)[2].strip() for line in lines
             if line.startswith("kg: ") and "[" in line]
    assert any(s.startswith("parsing ") for s in steps)
    assert "linking entities across articles" in steps and "writing the graph" in steps
    drawn = [line for line in text.split("\r") if line.startswith("kg: ") and "built" not in line]
    assert all(line.rstrip().endswith("]") for line in drawn)  # each shows its time run
    assert all(len(line) <= 71 for line in drawn)
    assert re.search(r"\]\s*\n+kg: built \d+ article", text)  # the line ends first


def test_a_file_name_that_would_drive_the_terminal_is_reported_escaped(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "bad\x1b[2Jname.txt").write_text("no date line here", encoding="utf-8")
    done = kg("build", str(folder), "-o", str(tmp_path / "out"), "--no-html")
    assert done.returncode == 2
    assert "\x1b" not in done.stderr
    assert "bad\\x1b[2Jname.txt" in done.stderr and "missing date line" in done.stderr


@pytest.mark.parametrize(("command", "steps"), [
    ("validate", ["reading graph.nt", "checking 1 triple against the shapes"]),
    ("viz", ["reading graph.nt", "drawing 1 triple"]),
    ("query", ["querying graph.nt"]),
])
def test_a_long_read_keeps_a_line_on_the_terminal_and_ends_it_before_any_error(
        command, steps, tmp_path, monkeypatch):
    """Seconds to minutes at 10,000 articles: the terminal says what it is at
    meanwhile (once the command has run a second: a quick one leaves no line);
    the line is ended before what is printed after, or before the error of a
    file that does not read, so neither is written into it."""
    from kg import cli
    from kg.progress import TerminalProgress

    def on_a_terminal(args, started, after=0.0):
        """The line as on a terminal, drawn at once (not a second later) and
        not redrawn (a redraw of a slow step would repeat it)."""
        assert after == cli.READ_LINE_AFTER
        return TerminalProgress(lambda text: print(text, end="", file=sys.stderr),
                                shown=not args.quiet, columns=lambda: 100, every=3600)

    monkeypatch.setattr(cli, "_terminal_progress", on_a_terminal)
    graph = tmp_path / "graph.nt"
    graph.write_text('<https://w3id.org/kgnews/id/work/tin-harbor> '
                     '<https://schema.org/name> "Tin Harbor" .\n', encoding="utf-8")
    args = {"validate": [str(graph)], "viz": [str(graph), "-o", str(tmp_path / "page.html")],
            "query": ["SELECT * WHERE { ?s ?p ?o }", "--graph", str(graph)]}[command]
    done = kg_here(command, *args)
    assert done.returncode == 0
    lines = [f"\\rkg: {re.escape(step)} +\\[0:0\\d\\]" for step in steps]
    assert re.search("^" + "".join(lines) + r"\n(kg: wrote [^\r]*\n)?$", done.stderr)
    quiet = kg_here(command, "-q", *args)
    assert quiet.returncode == 0 and "\r" not in quiet.stderr
    graph.write_text("<https://w3id.org/kgnews/id/work/tin-harbor> .\n", encoding="utf-8")
    broken = kg_here(command, *args)
    assert broken.returncode == 2
    drawn, error = broken.stderr.rsplit("\n", 2)[:2]
    assert drawn.startswith(f"\rkg: {steps[0]}") and "not a readable N-Triples file" in error


def test_an_endpoint_is_shown_by_its_host_alone():
    """Its address may hold a user and password; an address that names no
    host (a bracket left open) is shown as the endpoint, not a traceback."""
    from kg.cli import _host

    assert _host("https://ada:secret@sparql.example.org:8890/sparql") == "sparql.example.org"
    assert _host("http://[::1") == "the endpoint"
