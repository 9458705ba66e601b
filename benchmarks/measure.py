"""Run a command as a child process and measure its wall time, CPU time and peak RSS.

The peak comes from ``os.wait4`` on the child, the same rusage ``/usr/bin/time -v`` reports: the
largest resident set of the child and of every descendant it waited for. Unlike
``getrusage(RUSAGE_CHILDREN)`` it is per child, so several measurements can run in one process.

``python -m benchmarks.measure -- CMD ARGS...`` prints the measurement as JSON.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

# ru_maxrss is in kilobytes on Linux, in bytes on macOS.
_MAXRSS_TO_MB = 1 / (1024 * 1024) if sys.platform == "darwin" else 1 / 1024


@dataclass(frozen=True)
class Measurement:
    """Wall time, peak RSS of the child tree, exit code and captured output of one run."""

    seconds: float
    peak_rss_mb: float
    returncode: int
    stdout: str
    stderr: str
    cpu_seconds: float = 0.0
    """User + system CPU time of the child and of every descendant it waited for."""

    def check(self, what: str = "command") -> Measurement:
        """Raise with the tail of stderr unless the command succeeded."""
        if self.returncode != 0:
            tail = "\n".join(self.stderr.splitlines()[-20:])
            raise RuntimeError(f"{what} failed with exit code {self.returncode}:\n{tail}")
        return self


def run_measured(
    cmd: Sequence[str], *, cwd: Path | None = None, env: Mapping[str, str] | None = None
) -> Measurement:
    """Run ``cmd`` to completion; output goes to temporary files, so no pipe can fill up."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            list(cmd), cwd=cwd, env=None if env is None else dict(env), stdout=out, stderr=err
        )
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here; tell Popen so it won't wait again
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    cpu = usage.ru_utime + usage.ru_stime
    return Measurement(seconds, usage.ru_maxrss * _MAXRSS_TO_MB, proc.returncode, stdout, stderr, cpu)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["--"]:
        args = args[1:]
    if not args:
        print("usage: python -m benchmarks.measure -- CMD [ARGS...]", file=sys.stderr)
        return 2
    m = run_measured(args)
    json.dump(
        {"seconds": round(m.seconds, 3), "peak_rss_mb": round(m.peak_rss_mb, 1), "returncode": m.returncode},
        sys.stdout,
    )
    sys.stdout.write("\n")
    return m.returncode


if __name__ == "__main__":
    sys.exit(main())
