"""A second process for the heavy stages: forked (Linux, two cores or more), never required.

MkDocs builds on one core. The generator's heaviest pieces need no more than what is already
in memory, so a forked child can compute them on the other core: related papers while this
process tags papers and finds mentions (:func:`call_in_background`), and the pages' Markdown
while MkDocs converts the previous ones (:class:`Stream`). Results come back pickled through a
pipe. Wherever a fork is not available, or the child fails, the caller computes the same thing
itself: the output never depends on it. A failure of the child is logged with its traceback
(:func:`generator.report.problem_logger`): it costs time, and it may be a bug.

Every kind of helper is one :class:`Helper`, with one lifecycle: start, release, wait, cancel.
Whoever starts one waits for it or cancels it; :func:`cancel_pending` cancels all that are left.
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
import weakref
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


class Helper(Generic[T]):
    """One helper process, from its start to its end, and everything it holds: the process, this
    process's ends of its pipes, the temporary file of its arguments.

    ``start`` forks a child that computes ``work()`` (``start_fresh``: a new interpreter that calls a
    function); a gated child waits for ``release``. ``wait`` releases it and returns its result.
    ``cancel`` stops it and frees all it holds. Without a child (a small job, no fork, a failure to
    start, a cancelled helper) or if the child fails, ``wait`` runs ``work()`` here instead: the
    result never depends on the child.

    Every child ends on its own once this process lets go of it: right after the fork it closes its
    copies of every pipe end it does not use (this helper's and every other pending helper's), so
    a gate this process drops or closes reads as the end, and the child exits without working.
    Whoever starts a helper waits for it or cancels it on every path out; :func:`cancel_pending`
    cancels every helper not yet waited for (the MkDocs plugin calls it when a build starts and
    when one fails).
    """

    def __init__(self, work: Callable[[], T], shown: object = None) -> None:
        self._work = work
        self._shown = shown if shown is not None else work  # named in the log if the child fails
        self._process: Any = None
        self._receive: Connection | None = None  # the child's answers
        self._gate: Connection | None = None  # written once by release(); closed unwritten: the end
        self._spilled: str | None = None  # the arguments of a fresh process

    @property
    def active(self) -> bool:
        """Whether a child is running for this helper (started, neither waited for nor cancelled)."""
        return self._receive is not None

    def start(self, size: int, *, gated: bool = False) -> Helper[T]:
        """Fork a child that computes ``work()``, at once or (``gated``) once released. A fork of a
        process that is still small costs little: a child's resident size starts as its parent's."""
        self._fork(_call, (self._work,), size, gated)
        return self

    def _fork(self, body: Callable[..., None], args: tuple[Any, ...], size: int, gated: bool) -> None:
        """Fork a child that runs ``body(*args, send)`` (behind a gate if ``gated``)."""
        if self._receive is not None or not available(size):
            return
        # The tokenizer of the semantic vectors (Rust, `tokenizers`) runs a thread pool; forked after
        # using it, the child would warn (and could deadlock if it tokenized on that pool). Said
        # explicitly, the child tokenizes on one thread and nothing is printed.
        os.environ.setdefault(TOKENIZERS_PARALLELISM, "false")
        context = multiprocessing.get_context("fork")
        ends: list[Connection] = []
        try:
            receive, send = context.Pipe(duplex=False)
            ends += (receive, send)
            gate_receive = gate_send = None
            if gated:
                gate_receive, gate_send = context.Pipe(duplex=False)
                ends += (gate_receive, gate_send)
            unused = (receive, gate_send)  # this process's ends: the child closes its copies
            child = (body, args, unused, gate_receive, send)
            process = context.Process(target=_forked, args=child, daemon=True)
            process.start()
        except (OSError, ValueError):
            _close(*ends)
            return
        _close(send, gate_receive)
        self._adopt(process, receive, gate_send)

    def start_fresh(
        self, function: Callable[..., T], args: tuple[Any, ...], size: int, nice: int = 0
    ) -> Helper[T]:
        """Start ``function(*args)`` in a new Python process (spawned, not forked), its CPU priority
        lowered by ``nice`` (see :func:`call_in_fresh_process`)."""
        if self._receive is not None or not available(size):
            return self
        spilled: str | None = None
        ends: list[Connection] = []
        try:
            with tempfile.NamedTemporaryFile("wb", prefix="paper-atlas-", suffix=".args", delete=False) as f:
                spilled = f.name
                pickle.dump(args, f, protocol=pickle.HIGHEST_PROTOCOL)
            context = multiprocessing.get_context("spawn")
            receive, send = context.Pipe(duplex=False)
            ends += (receive, send)
            call = (function, spilled, nice, send)
            process = context.Process(target=_call_function, args=call, daemon=True)
            process.start()
        except (OSError, ValueError, pickle.PicklingError):
            _close(*ends)
            _remove(spilled)
            return self
        send.close()
        self._spilled = spilled  # the child removes it once read; cancel() or wait() if it did not
        self._adopt(process, receive, None)
        return self

    def _adopt(self, process: Any, receive: Connection, gate: Connection | None) -> None:
        self._process, self._receive, self._gate = process, receive, gate
        _pending.add(self)

    def release(self) -> None:
        """Let a gated child start its work (nothing for a child that is not gated)."""
        if self._gate is not None:
            with contextlib.suppress(OSError):
                self._gate.send(True)
            self._gate.close()
            self._gate = None

    def receive(self) -> Any:
        """The child's next message (for a child that sends several: :class:`Stream`); a failure's
        text if it ended without one."""
        if self._receive is None:
            return "the helper process was cancelled"
        try:
            return self._receive.recv()
        except (EOFError, OSError) as exc:
            return f"the helper process ended without an answer ({exc!r})"

    def wait(self) -> T:
        """The result of ``work()``: the child's (released first, if it was not), else computed here."""
        if self._receive is None:
            return self._work()
        self.release()
        answer = self.receive()
        self._end(stop=False)
        status, result = answer if isinstance(answer, tuple) else ("failed", answer)
        if status == "ok":
            return cast(T, result)
        _fallback(self._shown, result)
        return self._work()

    def cancel(self) -> None:
        """Stop the child if it still runs, reap it, close every pipe end, remove the temporary file.
        Safe to call at any time, and more than once; ``wait`` then computes the result here."""
        self._end(stop=True)

    def _end(self, stop: bool) -> None:
        _close(self._gate, self._receive)  # unwritten, the gate reads as the end: the child exits
        self._gate = self._receive = None
        process, self._process = self._process, None
        if process is not None:
            if stop and process.is_alive():
                process.terminate()
            process.join(timeout=5)
            if process.is_alive():  # deaf to SIGTERM
                process.kill()
                process.join()
        _remove(self._spilled)
        self._spilled = None
        _pending.discard(self)

    def _forget(self) -> None:
        """In a forked child: close this copy's ends of a helper that belongs to the parent."""
        _close(self._gate, self._receive)
        self._gate = self._receive = None
        self._process = self._spilled = None


# Helpers started and neither waited for nor cancelled. Weak: a helper nobody holds is closed by the
# garbage collector (its pipe ends with it), and its child, seeing the end, exits by itself.
_pending: weakref.WeakSet[Helper[Any]] = weakref.WeakSet()


def cancel_pending() -> None:
    """Cancel every helper not yet waited for, and reap every child that has ended."""
    for helper in list(_pending):
        helper.cancel()
    multiprocessing.active_children()  # joins the ended children of helpers that were let go


atexit.register(cancel_pending)  # no child outlives this process, nor a temporary file


def _forked(
    body: Callable[..., None],
    args: tuple[Any, ...],
    unused: tuple[Connection | None, ...],
    gate: Connection | None,
    send: Connection,
) -> None:
    """A forked child's start: close every pipe end it does not use (only then does a gate that
    the parent closes or drops read as the end), wait at its gate if it has one, and work."""
    _close(*unused)
    for helper in list(_pending):
        helper._forget()
    _pending.clear()
    if gate is not None:
        try:
            released = gate.recv() is True
        except (EOFError, OSError):  # the parent let go of this helper: nothing to do
            released = False
        gate.close()
        if not released:
            send.close()
            return
    body(*args, send)


def _close(*ends: Connection | None) -> None:
    for end in ends:
        if end is not None:
            end.close()


def call_in_background(work: Callable[[], T], size: int) -> Callable[[], T]:
    """Start ``work()`` in a forked process; the returned function waits for its result.

    Without a fork, or if the child fails, the returned function runs ``work()`` here instead.
    """
    return Helper(work).start(size).wait


def call_in_fresh_process(
    function: Callable[..., T], args: tuple[Any, ...], size: int, nice: int = 0
) -> Helper[T]:
    """Start ``function(*args)`` in a new Python process (spawned, not forked); the helper's
    ``wait()`` returns its result. ``nice`` lowers the child's CPU priority (``os.nice``): work
    needed later than the other helper's yields the core to it.

    For work that may run OpenMP code (openTSNE, parts of scikit-learn) after this process has
    run some: GNU OpenMP does not survive a fork, and a forked child can hang in its first
    parallel region. ``function`` must be importable by name, ``args`` picklable. Without a
    second process, or if the child fails, ``wait()`` runs the call here instead.

    The arguments go through a temporary file, not the pipe that starts the child: written to the
    pipe, megabytes of them would keep this process waiting while the new interpreter starts and
    imports its modules (a second at 10k papers).
    """
    return Helper(lambda: function(*args), shown=function).start_fresh(function, args, size, nice)


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
    child runs, so memory stays small. ``close()`` cancels the child.
    """

    def __init__(self, produce: Callable[[], Iterable[T]], size: int, batch: int = 32) -> None:
        self._produce = produce
        self._helper: Helper[None] = Helper(lambda: None, shown=produce)
        self._helper._fork(_stream, (produce, batch), size, gated=False)

    @property
    def active(self) -> bool:
        return self._helper.active

    def next_batch(self) -> list[T] | None:
        if not self._helper.active:
            return None
        batch = self._helper.receive()
        if isinstance(batch, str):  # a failure: its traceback
            _fallback(self._produce, batch)
        if not isinstance(batch, list):  # the end, or a failure
            self.close()
            return None
        return batch

    def close(self) -> None:
        """Stop the child (if it still runs) and release the pipe."""
        self._helper.cancel()


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
