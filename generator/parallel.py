"""A second process for the heavy stages: forked (Linux, two cores or more), never required.

MkDocs builds on one core. The generator's heaviest pieces need no more than what is already
in memory, so a forked child can compute them on the other core: related papers while this
process tags papers and finds mentions (:func:`call_in_background`), and the pages' Markdown
while MkDocs converts the previous ones (:class:`Stream`). Results come back pickled through a
pipe. Wherever a fork is not available, or the child fails, the caller computes the same thing
itself: the output never depends on it. A failure of the child is logged with its traceback
(:func:`generator.report.problem_logger`): it costs time, and it may be a bug.
"""

from __future__ import annotations

import atexit
import contextlib
import multiprocessing
import os
import pickle
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterable
from multiprocessing.connection import Connection
from typing import Any, Generic, TypeVar, cast

from generator.report import problem_logger

T = TypeVar("T")

MIN_SIZE = 2_000  # papers: below this a second process costs more than it saves
ENABLED = os.environ.get("PAPER_ATLAS_PARALLEL", "1") != "0"  # PAPER_ATLAS_PARALLEL=0: one process
TOKENIZERS_PARALLELISM = "TOKENIZERS_PARALLELISM"


def available(size: int) -> bool:
    """Whether to fork for a job over ``size`` papers."""
    return ENABLED and size >= MIN_SIZE and sys.platform.startswith("linux") and (os.cpu_count() or 1) >= 2


def _start(target: Callable[..., None], *args: Any) -> tuple[Connection, Any] | None:
    # The tokenizer of the semantic vectors (Rust, `tokenizers`) runs a thread pool; forked after
    # using it, the child would warn (and could deadlock if it tokenized on that pool). Said
    # explicitly, the child tokenizes on one thread and nothing is printed.
    os.environ.setdefault(TOKENIZERS_PARALLELISM, "false")
    try:
        context = multiprocessing.get_context("fork")
        receive, send = context.Pipe(duplex=False)
        process = context.Process(target=target, args=(*args, send), daemon=True)
        process.start()
    except (OSError, ValueError):
        return None
    send.close()
    return receive, process


def call_in_background(work: Callable[[], T], size: int) -> Callable[[], T]:
    """Start ``work()`` in a forked process; the returned function waits for its result.

    Without a fork, or if the child fails, the returned function runs ``work()`` here instead.
    """
    started = _start(_call, work) if available(size) else None
    if started is None:
        return work
    return _waiter(work, *started)


def fork_now_start_later(work: Callable[[], T], size: int) -> tuple[Callable[[], None], Callable[[], T]]:
    """Fork a child now that runs ``work()`` only once ``go()`` is called; ``wait()`` returns its result.

    For work whose inputs are ready early but whose core is busy until later: the fork happens while
    this process is small (a child's resident size starts as its parent's), the work when the core
    is free. Without a fork, ``go`` does nothing and ``wait`` runs ``work()`` here. ``wait`` lets the
    child go first if ``go`` was not called; if neither is, the child ends with this process (a
    daemon, waiting on its gate).
    """
    if not available(size):
        return lambda: None, work
    try:
        gate_receive, gate_send = multiprocessing.get_context("fork").Pipe(duplex=False)
    except OSError:
        return lambda: None, work
    started = _start(_gated_call, work, gate_receive)
    gate_receive.close()
    if started is None:
        gate_send.close()
        return lambda: None, work
    wait = _waiter(work, *started)

    def go() -> None:
        if not gate_send.closed:
            with contextlib.suppress(OSError):
                gate_send.send(True)
            gate_send.close()

    def go_and_wait() -> T:
        go()
        return wait()

    return go, go_and_wait


def _waiter(
    work: Callable[[], T], receive: Connection, process: Any, shown: object = None
) -> Callable[[], T]:
    """Wait for the child's answer; if it failed, log it (naming ``shown``, else ``work``) and run
    ``work()`` here."""

    def wait() -> T:
        try:
            status, result = receive.recv()
        except (EOFError, OSError) as exc:
            status, result = "failed", f"the helper process ended without an answer ({exc!r})"
        finally:
            receive.close()
            process.join()
        if status == "ok":
            return cast(T, result)
        _fallback(shown if shown is not None else work, result)
        return work()

    return wait


def call_in_fresh_process(
    function: Callable[..., T], args: tuple[Any, ...], size: int, nice: int = 0
) -> Callable[[], T]:
    """Start ``function(*args)`` in a new Python process (spawned, not forked); the returned
    function waits for its result. ``nice`` lowers the child's CPU priority (``os.nice``): work
    needed later than the other helper's yields the core to it.

    For work that may run OpenMP code (openTSNE, parts of scikit-learn) after this process has
    run some: GNU OpenMP does not survive a fork, and a forked child can hang in its first
    parallel region. ``function`` must be importable by name, ``args`` picklable. Without a
    second process, or if the child fails, the returned function runs the call here instead.

    The arguments go through a temporary file, not the pipe that starts the child: written to the
    pipe, megabytes of them would keep this process waiting while the new interpreter starts and
    imports its modules (a second at 10k papers).
    """
    started = None
    if available(size):
        spilled: str | None = None
        try:
            with tempfile.NamedTemporaryFile("wb", prefix="paper-atlas-", suffix=".args", delete=False) as f:
                spilled = f.name
                atexit.register(_remove, spilled)  # if nobody waits for the child
                pickle.dump(args, f, protocol=pickle.HIGHEST_PROTOCOL)
            context = multiprocessing.get_context("spawn")
            receive, send = context.Pipe(duplex=False)
            call = (function, spilled, nice, send)
            process = context.Process(target=_call_function, args=call, daemon=True)
            process.start()
            send.close()
            started = (receive, process)
        except (OSError, ValueError, pickle.PicklingError):
            _remove(spilled)
            started = None
    if started is None:
        return lambda: function(*args)
    wait = _waiter(lambda: function(*args), *started, shown=function)

    def waited() -> T:
        try:
            return wait()
        finally:
            _remove(spilled)  # the child removes it once read; not if it failed before

    return waited


def _remove(path: str | None) -> None:
    if path is not None:
        with contextlib.suppress(OSError):
            os.unlink(path)


def _call_function(function: Callable[..., Any], spilled: str, nice: int, send: Connection) -> None:
    if nice:
        with contextlib.suppress(OSError):
            os.nice(nice)

    def work() -> Any:
        with open(spilled, "rb") as handle:
            args = pickle.load(handle)
        _remove(spilled)
        return function(*args)

    _call(work, send)


def _gated_call(work: Callable[[], Any], gate: Connection, send: Connection) -> None:
    with contextlib.suppress(EOFError, OSError):  # the parent's go(), or its end: either way, work
        gate.recv()
    gate.close()
    _call(work, send)


def _call(work: Callable[[], Any], send: Connection) -> None:
    try:
        result = ("ok", work())
    except BaseException:  # the parent logs it and redoes the work (and sees any error itself)
        result = ("failed", traceback.format_exc())
    try:
        send.send(result)
    finally:
        send.close()


class Stream(Generic[T]):
    """Items of ``produce()`` made in a forked process ahead of their use, in batches.

    ``next_batch()`` returns the next batch, or None once the items are exhausted or the child
    failed (the caller then makes the rest itself). The pipe's buffer bounds how far ahead the
    child runs, so memory stays small.
    """

    def __init__(self, produce: Callable[[], Iterable[T]], size: int, batch: int = 32) -> None:
        self._produce = produce
        self._receive: Connection | None = None
        self._process: Any = None
        if available(size):
            started = _start(_stream, produce, batch)
            if started is not None:
                self._receive, self._process = started

    @property
    def active(self) -> bool:
        return self._receive is not None

    def next_batch(self) -> list[T] | None:
        if self._receive is None:
            return None
        try:
            batch = self._receive.recv()
        except (EOFError, OSError) as exc:
            batch = f"the helper process ended without an answer ({exc!r})"
        if isinstance(batch, str):  # a failure: its traceback
            _fallback(self._produce, batch)
        if not isinstance(batch, list):  # the end, or a failure
            self.close()
            return None
        return batch

    def close(self) -> None:
        """Stop the child (if it still runs) and release the pipe."""
        if self._receive is not None:
            self._receive.close()
            self._receive = None
        if self._process is not None:
            if self._process.is_alive():
                self._process.terminate()
            self._process.join()
            self._process = None


def _stream(produce: Callable[[], Iterable[Any]], batch: int, send: Connection) -> None:
    try:
        items: list[Any] = []
        for item in produce():
            items.append(item)
            if len(items) >= batch:
                send.send(items)
                items = []
        if items:
            send.send(items)
        send.send(None)
    except (BrokenPipeError, OSError):  # the parent stopped listening
        pass
    except BaseException:  # the parent logs it and makes the remaining items itself
        with contextlib.suppress(OSError):
            send.send(traceback.format_exc())
    finally:
        send.close()


def _fallback(work: object, reason: object) -> None:
    name = getattr(work, "__qualname__", repr(work))
    problem_logger().warning(
        "paper-atlas: the helper process failed; this process does its work (%s) itself.\n%s", name, reason
    )
