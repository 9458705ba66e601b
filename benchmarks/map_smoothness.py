"""How the map page behaves in Chromium on a big site: load, first draw, frames while panning and zooming.

``python -m benchmarks.map_smoothness SITE [--seconds S] [--width W --height H]`` serves a built site
(for example the 100k build kept by ``python -m benchmarks.run --sizes 100000 --keep-site DIR``),
opens ``map/`` in headless Chromium (Debian's, with the flags of the browser tests), and measures:

* the bytes the page downloads before the reader touches the map (HTML and what it pulls in), and
  gzip-compressed as a server would send them;
* from the "Explore the map" click to ``data-state=ready`` (library, ``points.bin``, first draw);
* while a scripted reader drags the map around and zooms in and out with the wheel for ``--seconds``:
  every frame interval (``requestAnimationFrame``), as median, 95th percentile and the share of
  frames over 50 ms (a dropped-frame budget a reader notices), and the longest main-thread task
  (``PerformanceObserver`` long tasks);
* how many points are drawn in the middle of a drag (the map draws a sample of them while the
  view moves, every point at rest: the level of detail in ``atlas-map.js``);
* the time a hover takes to show its tooltip.

Headless Chromium here has no GPU: WebGL runs on SwiftShader, the CPU rasterizer, on the machine's
two cores. A reader's GPU draws the same points faster; these figures are an upper bound on the
frame time. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import json
import math
import statistics
import threading
import time
from pathlib import Path
from typing import Any

from tests.browser_support import CHROMIUM, CHROMIUM_ARGS  # the browser tests' Chromium and flags

# Collects frame intervals and long tasks from the moment it runs until window.__paStop() is called.
RECORDER = """
(() => {
  const frames = [], tasks = []
  let last = performance.now(), running = true
  function tick(now) { frames.push(now - last); last = now; if (running) requestAnimationFrame(tick) }
  requestAnimationFrame(tick)
  try {
    new PerformanceObserver(list => { for (const e of list.getEntries()) tasks.push(e.duration) })
      .observe({ type: "longtask", buffered: false })
  } catch (e) {}
  window.__paStop = () => { running = false; return { frames, tasks } }
})()
"""


# How many points the map draws now (atlas-map.js draws a sample while the view moves).
# (A script from before it, without drawnPoints, draws all of them.)
DRAWN = """() => { const m = document.getElementById("pa-map").atlasMap
  const p = m.drawnPoints ? m.drawnPoints() : null
  return p ? p.length : m.count }"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def measure(site: Path, seconds: float, width: int, height: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    handler = functools.partial(_Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/map/"
    result: dict[str, Any] = {"site": str(site), "viewport": [width, height]}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            page = browser.new_page(viewport={"width": width, "height": height})
            fetched: dict[str, int] = {}

            def finished(request: Any) -> None:
                response = request.response()
                fetched.setdefault(request.url, len(response.body()) if response is not None else 0)

            page.on("requestfinished", finished)
            page.goto(url, wait_until="load")
            page.wait_for_timeout(500)
            before = dict(fetched)
            result["count"] = int(
                page.evaluate("JSON.parse(document.getElementById('pa-map-config').textContent).count")
            )
            result["before_interaction_bytes"] = sum(before.values())
            result["before_interaction_gzip_bytes"] = sum(
                len(gzip.compress(_local(site, u).read_bytes(), 6))
                for u in before
                if _local(site, u).is_file()
            )
            started = time.perf_counter()
            page.locator("#pa-map-explore").click()
            page.wait_for_selector("#pa-map[data-state=ready]", timeout=120_000)
            result["explore_to_ready_seconds"] = round(time.perf_counter() - started, 2)
            result["after_ready_bytes"] = sum(fetched.values())
            box = page.locator("#pa-map canvas").bounding_box()
            assert box is not None
            cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
            page.evaluate(RECORDER)
            end = time.perf_counter() + seconds
            step = 0
            drawn: list[int] = []  # points drawn in the middle of each drag
            while time.perf_counter() < end:  # drag in a circle, then zoom in and out around the centre
                page.mouse.move(cx, cy)
                page.mouse.down()
                for k in range(12):
                    angle = (step * 12 + k) / 12 * 6.283
                    page.mouse.move(cx + 80 * math.cos(angle), cy + 60 * math.sin(angle), steps=2)
                drawn.append(page.evaluate(DRAWN))
                page.mouse.up()
                for delta in (-240, -240, -240, 240, 240, 240):
                    page.mouse.wheel(0, delta)
                    page.wait_for_timeout(40)
                step += 1
            recorded = page.evaluate("window.__paStop()")
            frames = [f for f in recorded["frames"][1:] if f > 0]
            result["frames"] = len(frames)
            result["frame_ms_median"] = round(statistics.median(frames), 1) if frames else None
            result["frame_ms_p95"] = round(_percentile(frames, 0.95), 1)
            result["frames_over_50ms_share"] = round(sum(f > 50 for f in frames) / max(len(frames), 1), 3)
            result["fps_median"] = round(1000 / statistics.median(frames), 1) if frames else None
            result["drawn_while_moving"] = [min(drawn), max(drawn)] if drawn else None
            result["longest_task_ms"] = round(max(recorded["tasks"], default=0.0), 1)
            # A hover: the tooltip of the point nearest the centre.
            page.locator("#pa-map [aria-label='Show the whole map']").click()
            page.wait_for_timeout(400)
            target = page.evaluate(
                """() => { const root = document.getElementById("pa-map"), c = root.querySelector("canvas")
                  const r = c.getBoundingClientRect(); let best = [-1, 1e9]
                  for (let i = 0; i < root.atlasMap.count; i += 97) {
                    const [x, y] = root.atlasMap.screenPosition(i)
                    const d = Math.hypot(x - r.width / 2, y - r.height / 2)
                    if (d < best[1]) best = [i, d, x + r.left, y + r.top] }
                  return best }"""
            )
            started = time.perf_counter()
            page.mouse.move(target[2], target[3])
            page.wait_for_selector(".pa-map-tip:not([hidden])", timeout=20_000)
            result["hover_to_tooltip_seconds"] = round(time.perf_counter() - started, 2)
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return result


def _local(site: Path, url: str) -> Path:
    path = url.split("://", 1)[-1].split("/", 1)[-1].split("?", 1)[0].split("#", 1)[0]
    local = site / path
    return local / "index.html" if not path or path.endswith("/") else local


def main(args: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path, help="a built site folder")
    parser.add_argument("--seconds", type=float, default=10.0, help="how long to pan and zoom")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=800)
    parsed = parser.parse_args(args)
    print(json.dumps(measure(parsed.site, parsed.seconds, parsed.width, parsed.height)))


if __name__ == "__main__":
    main()
