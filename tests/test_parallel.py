"""The optional second process: same results with or without it, and a failing child is harmless."""

from __future__ import annotations

import os
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


def test_fork_now_start_later_works_only_after_go(tmp_path: Path) -> None:
    """The child is forked at once but starts its work at go(): here the work reads a file written
    after the fork, so its result shows when it ran."""
    marker = tmp_path / "marker"
    go, wait = parallel.fork_now_start_later(lambda: (os.getpid(), marker.read_text()), 10)
    time.sleep(0.2)  # a child that did not wait would have failed on the missing file by now
    marker.write_text("after go")
    go()
    pid, text = wait()
    assert (pid != os.getpid(), text) == (True, "after go")


def test_fork_now_start_later_without_go_still_answers() -> None:
    _, wait = parallel.fork_now_start_later(lambda: os.getpid(), 10)
    assert wait() != os.getpid()  # waiting lets the child go


def test_fork_now_start_later_redoes_a_failed_work_here(capsys: pytest.CaptureFixture[str]) -> None:
    go, wait = parallel.fork_now_start_later(failing, 10)
    go()
    with pytest.raises(RuntimeError, match="boom"):
        wait()
    assert "the helper process failed" in capsys.readouterr().err


def test_fork_now_start_later_without_a_fork_runs_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "ENABLED", False)
    go, wait = parallel.fork_now_start_later(lambda: os.getpid(), 10)
    go()
    assert wait() == os.getpid()


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
    wait = parallel.call_in_fresh_process(sum, (numbers,), 10**6)
    assert wait() == sum(numbers)
    assert len(made) == 1 and Path(made[0]).parent == tmp_path
    assert not list(tmp_path.iterdir())
