"""The optional second process: same results with or without it, and a failing child is harmless."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from generator import parallel

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork is used on Linux only")


@pytest.fixture(autouse=True)
def small(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "MIN_SIZE", 1)
    monkeypatch.setattr(parallel, "ENABLED", True)


def test_call_in_background_returns_the_result() -> None:
    wait = parallel.call_in_background(lambda: sum(range(1000)), 10)
    assert wait() == sum(range(1000))


def failing() -> int:
    raise RuntimeError("boom")


def test_a_failing_child_makes_the_caller_redo_the_work(capsys: pytest.CaptureFixture[str]) -> None:
    wait = parallel.call_in_background(failing, 10)
    with pytest.raises(RuntimeError, match="boom"):  # redone here, where the error surfaces
        wait()
    # ... and the child's failure is logged with its traceback, not swallowed.
    err = capsys.readouterr().err
    assert "the helper process failed; this process does its work (failing) itself." in err
    assert "Traceback (most recent call last)" in err and 'raise RuntimeError("boom")' in err


def test_a_gated_child_works_only_once_released(tmp_path: Path) -> None:
    """The child is forked at once but starts its work at release(): here the work reads a file
    written after the fork, so its result shows when it ran."""
    marker = tmp_path / "marker"
    helper = parallel.Helper(lambda: (os.getpid(), marker.read_text())).start(10, gated=True)
    time.sleep(0.2)  # a child that did not wait would have failed on the missing file by now
    marker.write_text("after release")
    helper.release()
    pid, text = helper.wait()
    assert (pid != os.getpid(), text) == (True, "after release")
    assert not helper.active


def test_a_gated_child_never_released_still_answers() -> None:
    helper = parallel.Helper(lambda: os.getpid()).start(10, gated=True)
    assert helper.wait() != os.getpid()  # waiting releases the child


def test_a_gated_child_that_fails_is_redone_here(capsys: pytest.CaptureFixture[str]) -> None:
    helper = parallel.Helper(failing).start(10, gated=True)
    helper.release()
    with pytest.raises(RuntimeError, match="boom"):
        helper.wait()
    assert "the helper process failed" in capsys.readouterr().err


def test_a_gated_helper_without_a_fork_runs_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "ENABLED", False)
    helper = parallel.Helper(lambda: os.getpid()).start(10, gated=True)
    assert not helper.active
    helper.release()
    assert helper.wait() == os.getpid()


def test_stream_yields_every_item_in_order() -> None:
    stream: parallel.Stream[int] = parallel.Stream(lambda: iter(range(1000)), 1000, batch=7)
    assert stream.active
    received: list[int] = []
    while (batch := stream.next_batch()) is not None:
        received.extend(batch)
    assert received == list(range(1000))
    assert not stream.active


def broken() -> Iterator[int]:
    yield from range(10)
    raise RuntimeError("boom")


def test_a_failing_stream_ends_early_and_can_be_closed_any_time(capsys: pytest.CaptureFixture[str]) -> None:
    stream: parallel.Stream[int] = parallel.Stream(broken, 10, batch=4)
    received: list[int] = []
    while (batch := stream.next_batch()) is not None:
        received.extend(batch)
    assert received == list(range(8))  # the caller makes the rest itself
    err = capsys.readouterr().err
    assert "this process does its work (broken) itself" in err and "RuntimeError: boom" in err
    endless: parallel.Stream[int] = parallel.Stream(lambda: iter(range(10**9)), 10)
    assert endless.next_batch() == list(range(32))
    endless.close()
    assert endless.next_batch() is None


def test_disabled_means_one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "ENABLED", False)
    assert not parallel.available(10**6)
    assert not parallel.Stream(lambda: iter(range(3)), 10**6).active
    assert parallel.call_in_background(lambda: 42, 10**6)() == 42


def test_pages_rendered_ahead_are_the_pages() -> None:
    from generator.atlas import build_atlas
    from generator.ingest.corpus import ListingCache
    from generator.site.render import Renderer

    from .conftest import FIXTURES, ROOT

    site = FIXTURES / "site"
    renderer = Renderer(
        build_atlas(site / "corpus", site / "taxonomy.yml", ListingCache()), ROOT / "templates"
    )
    sources = renderer.sources()
    stream = parallel.Stream(lambda: map(renderer.document, sources), len(sources), batch=3)
    received = []
    while (batch := stream.next_batch()) is not None:
        received.extend(batch)
    assert received == list(renderer.documents())


def test_the_tokenizer_is_told_before_the_fork(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forked after tokenizing, the child would warn about the tokenizer's threads unless
    TOKENIZERS_PARALLELISM is set: the fork sets it (to one thread), unless the user did."""
    monkeypatch.delenv(parallel.TOKENIZERS_PARALLELISM, raising=False)
    assert parallel.call_in_background(lambda: 41 + 1, 10)() == 42
    assert os.environ[parallel.TOKENIZERS_PARALLELISM] == "false"
    monkeypatch.setenv(parallel.TOKENIZERS_PARALLELISM, "true")
    assert parallel.call_in_background(lambda: 41 + 1, 10)() == 42
    assert os.environ[parallel.TOKENIZERS_PARALLELISM] == "true"


def test_fresh_process_gets_its_arguments_through_a_file_it_removes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The arguments (megabytes at scale) go through a temporary file, not the pipe that starts
    the child, and no file is left behind once the answer is in."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    made: list[str] = []
    real = tempfile.NamedTemporaryFile

    def recorded(*args: Any, **kwargs: Any) -> Any:
        handle = real(*args, **kwargs)
        made.append(handle.name)
        return handle

    monkeypatch.setattr(tempfile, "NamedTemporaryFile", recorded)
    numbers = list(range(200_000))  # more than a pipe holds
    helper = parallel.call_in_fresh_process(sum, (numbers,), 10**6)
    assert helper.wait() == sum(numbers)
    assert len(made) == 1 and Path(made[0]).parent == tmp_path
    assert not list(tmp_path.iterdir())


def children() -> set[int]:
    """The pids of this process's children, zombies included (/proc), but for multiprocessing's
    resource tracker: a spawn starts it once, to live as long as this process."""
    from multiprocessing import resource_tracker

    pids: set[int] = set()
    for listing in Path("/proc/self/task").glob("*/children"):
        pids.update(int(pid) for pid in listing.read_text().split())
    return pids - {getattr(resource_tracker._resource_tracker, "_pid", None) or -1}


def open_fds() -> set[str]:
    return {fd.name for fd in Path("/proc/self/fd").iterdir()}


def ended_within(seconds: float, alive: Any) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not alive():
            return True
        time.sleep(0.05)
    return False


def test_a_gated_child_let_go_of_exits_by_itself(tmp_path: Path) -> None:
    """A child whose gate is never opened ends, without working, once this process drops its
    helper: its gate reads as the end. It closed its own copy of the gate's other end right after
    the fork, and so did a helper forked after it (which holds no copy of that gate either)."""
    marker = tmp_path / "worked"
    before = set(multiprocessing.active_children())
    helper = parallel.Helper(lambda: marker.write_text("worked")).start(10, gated=True)
    (child,) = set(multiprocessing.active_children()) - before
    later = parallel.Helper(lambda: time.sleep(60)).start(10, gated=True)  # forked while the first waits
    del helper
    assert ended_within(5, child.is_alive), "the dropped child still waits at its gate"
    assert not marker.exists()
    later.cancel()


def test_cancel_reaps_the_child_and_closes_every_pipe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cancelled, a helper of each kind leaves no process (not even a zombie), no open pipe end and
    no temporary file; waited for afterwards, it computes the result here."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    fds, pids = open_fds(), children()
    helpers = [
        parallel.Helper(lambda: os.getpid()).start(10, gated=True),
        parallel.Helper(lambda: time.sleep(60)).start(10),
        parallel.Helper(lambda: 0).start_fresh(time.sleep, (60,), 10),
    ]
    stream: parallel.Stream[int] = parallel.Stream(lambda: iter(range(10**9)), 10)
    assert all(h.active for h in helpers) and stream.active
    assert len(children() - pids) == 4 and list(tmp_path.iterdir())
    for helper in helpers:
        helper.cancel()
        helper.cancel()  # twice is harmless
    stream.close()
    assert children() == pids
    assert open_fds() == fds
    assert not list(tmp_path.iterdir())
    assert not any(h.active for h in helpers) and stream.next_batch() is None
    assert helpers[0].wait() == os.getpid()


def test_cancel_pending_cancels_every_helper_not_waited_for() -> None:
    pids = children()
    kept = [parallel.Helper(lambda: time.sleep(60)).start(10, gated=gated) for gated in (False, True)]
    parallel.cancel_pending()
    assert children() == pids and not any(h.active for h in kept)


def test_a_failing_rebuild_under_serve_leaves_no_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """MkDocs' serve, driven as it drives it: the plugin object lives across builds, and each build
    loads the config again. Above the helper threshold, a build that fails on a template typo, and
    then the next one (fixed), leave no helper process behind."""
    from jinja2 import TemplateSyntaxError
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    from .conftest import FIXTURES, ROOT

    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    paper = templates / "paper.md.j2"
    good = paper.read_text(encoding="utf-8")
    paper.write_text(good + "\n{% if %}\n", encoding="utf-8")  # a typo
    site = FIXTURES / "site"
    pids = children()
    started: list[int] = []
    real_start = multiprocessing.process.BaseProcess.start

    def counted(process: Any) -> None:
        real_start(process)
        started.append(process.pid)

    monkeypatch.setattr(multiprocessing.process.BaseProcess, "start", counted)

    def rebuild() -> None:
        config = load_config(config_file=str(ROOT / "mkdocs.yml"), site_dir=str(tmp_path / "site"))
        plugin = config.plugins["paper-atlas"]
        plugin.config["corpus"] = str(site / "corpus")
        plugin.config["taxonomy"] = str(site / "taxonomy.yml")
        plugin.config["templates"] = str(templates)
        if rebuild.first:  # type: ignore[attr-defined]
            config.plugins.on_startup(command="serve", dirty=False)
            rebuild.first = False  # type: ignore[attr-defined]
        build(config, serve_url="http://127.0.0.1:8000/")

    rebuild.first = True  # type: ignore[attr-defined]
    with pytest.raises(TemplateSyntaxError):
        rebuild()
    assert len(started) >= 3  # pages ahead, files for other tools, the map's layout
    assert children() == pids, "a failed build left helper processes"
    paper.write_text(good, encoding="utf-8")
    rebuild()
    assert children() == pids, "a build left helper processes"
    assert (tmp_path / "site" / "papers.bib").stat().st_size > 0  # the exports ran in their helper
