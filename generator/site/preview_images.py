"""Link-preview images (``og:image``): one static card per kind of page, not one per page.

A per-page card would have to be a PNG (most previewers ignore SVG), drawn at build time:
Material's social plugin does that with Pillow and CairoSVG (and fetches its fonts from Google
Fonts), which the README measures at far over the build budget at 10,000 papers. The page's own
title and description travel in ``og:title`` and ``og:description``, which every previewer
shows beside the image; the image only says what kind of page it is.

The cards are PNG files in ``docs/assets/cards/`` (copied into the site like any asset: no build
cost). ``python -m generator.site.preview_images`` redraws them with Pillow (a dev dependency) and the DejaVu
fonts; run it after changing a card below, and commit the PNGs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from generator.site import routes

WIDTH = 1200
HEIGHT = 630


@dataclass(frozen=True)
class Card:
    kind: str
    label: str  # large text on the card
    caption: str  # the line under it
    alt: str  # og:image:alt

    @property
    def path(self) -> str:
        """Site path of the PNG (also its path under ``docs/``)."""
        return routes.card(self.kind)


CARDS = {
    c.kind: c
    for c in (
        Card("site", "Paper Atlas", "A searchable, cross-linked atlas of research papers", "Paper Atlas"),
        Card("paper", "Paper", "Its abstract, tags, related papers and citation", "Paper Atlas: a paper"),
        Card("tag", "Tag", "Papers on one topic, newest first", "Paper Atlas: papers of a tag"),
        Card(
            "collection",
            "Collection",
            "One listing of papers",
            "Paper Atlas: a collection of papers",
        ),
        Card("timeline", "Timeline", "Papers by publication date", "Paper Atlas: timeline"),
    )
}


def card(kind: str) -> Card:
    return CARDS[kind]


@cache
def image_meta(kind: str) -> dict[str, Any]:
    """What the theme needs to write ``og:image`` for a kind of page: one shared dict per kind."""
    c = CARDS[kind]
    return {"image": c.path, "alt": c.alt, "width": WIDTH, "height": HEIGHT}


FONTS = Path("/usr/share/fonts/truetype/dejavu")  # Debian's fonts-dejavu-core
BACKGROUND = "#3f51b5"  # Material's indigo, the site's primary colour
ACCENT = "#ff4081"
# A small graph in the right half: papers (nodes) and their links, the same on every card.
NODES = ((880, 150), (1040, 110), (1110, 260), (960, 300), (830, 380), (1010, 450), (1120, 520))
EDGES = ((0, 1), (1, 2), (0, 3), (2, 3), (3, 4), (3, 5), (4, 5), (5, 6), (2, 6))


def draw(c: Card, fonts: Path = FONTS) -> Any:
    """The card as a Pillow image (Pillow is a dev dependency: only this command needs it)."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    pen = ImageDraw.Draw(image)
    for a, b in EDGES:
        pen.line((NODES[a], NODES[b]), fill="#7986cb", width=6)
    for x, y in NODES:
        pen.ellipse((x - 22, y - 22, x + 22, y + 22), fill="#c5cae9")
    bold = ImageFont.truetype(str(fonts / "DejaVuSans-Bold.ttf"), 104)
    regular = ImageFont.truetype(str(fonts / "DejaVuSans.ttf"), 34)
    small = ImageFont.truetype(str(fonts / "DejaVuSans.ttf"), 40)
    if c.kind != "site":
        pen.text((80, 150), "Paper Atlas", font=small, fill="#e8eaf6")
    pen.text((80, 220), c.label, font=bold, fill="white")
    y = 370
    for line in _wrap(c.caption, regular, pen, 680):
        pen.text((80, y), line, font=regular, fill="#e8eaf6")
        y += 48
    pen.rectangle((0, HEIGHT - 24, WIDTH, HEIGHT), fill=ACCENT)
    return image


def _wrap(text: str, font: Any, pen: Any, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and pen.textlength(f"{lines[-1]} {word}", font=font) <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m generator.site.preview_images", description="Redraw the og:image cards."
    )
    parser.add_argument("--out", type=Path, default=Path("docs") / routes.CARDS)
    parser.add_argument(
        "--fonts", type=Path, default=FONTS, help="folder of DejaVuSans.ttf, DejaVuSans-Bold.ttf"
    )
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for c in CARDS.values():
        path = args.out / f"{c.kind}.png"
        draw(c, args.fonts).save(path, optimize=True)
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
