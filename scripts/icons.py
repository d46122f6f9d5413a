"""Draws Vigie's application icons (favicon, home-screen and install icons) with Pillow.

    .venv/bin/python scripts/icons.py      # writes static/icons/*.png and static/icons/favicon.ico

A map pin over a house's roof line, white on the header's navy; "maskable" icons keep the drawing
inside the central safe circle (80 % of the side) that Android crops to."""

from pathlib import Path

from PIL import Image, ImageDraw

NAVY, WHITE = (11, 37, 64, 255), (255, 255, 255, 255)
OUT = Path(__file__).resolve().parent.parent / "static" / "icons"
SIZES = {
    "icon-192.png": (192, False),
    "icon-512.png": (512, False),
    "apple-touch-icon.png": (180, False),
    "icon-maskable-192.png": (192, True),
    "icon-maskable-512.png": (512, True),
    "icon-32.png": (32, False),
}


def draw(side: int, *, maskable: bool) -> Image.Image:
    scale = 4  # drawn large, then reduced: smooth edges without an anti-aliasing pass of our own
    big = side * scale
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    if maskable:
        pen.rectangle((0, 0, big, big), fill=NAVY)
    else:
        pen.rounded_rectangle((0, 0, big - 1, big - 1), radius=big // 5, fill=NAVY)
    art = 0.62 if maskable else 0.78  # share of the side the drawing may use
    unit = big * art
    cx, top = big / 2, (big - unit) / 2
    # The pin: a disc and a point below it, with a navy hole.
    r = unit * 0.27
    cy = top + unit * 0.33
    pen.ellipse((cx - r, cy - r, cx + r, cy + r), fill=WHITE)
    pen.polygon([(cx - r * 0.86, cy + r * 0.5), (cx + r * 0.86, cy + r * 0.5), (cx, top + unit * 0.78)], fill=WHITE)
    hole = r * 0.42
    pen.ellipse((cx - hole, cy - hole, cx + hole, cy + hole), fill=NAVY)
    # The roof line under the pin: the neighbourhood the alert belongs to.
    w = unit * 0.5
    y = top + unit * 0.92
    pen.line(
        [(cx - w, y), (cx - w * 0.55, y - unit * 0.1), (cx + w * 0.55, y - unit * 0.1), (cx + w, y)],
        fill=WHITE,
        width=max(1, int(unit * 0.05)),
        joint="curve",
    )
    return image.resize((side, side), Image.Resampling.LANCZOS)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, (side, maskable) in SIZES.items():
        draw(side, maskable=maskable).save(OUT / name, optimize=True)
    draw(64, maskable=False).save(OUT / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48)])


if __name__ == "__main__":
    main()
