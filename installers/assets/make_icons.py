"""Regenerate the raster icons from one drawing: `python installers/assets/make_icons.py`.

The same design is kept by hand as hubnity.svg (teal rounded square, white clock
face, two hands). The outputs are committed, so builds need no Pillow step.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
TEAL = (14, 124, 123, 255)
WHITE = (255, 255, 255, 255)


def draw(size: int = 1024) -> Image.Image:
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(image)
    u = size / 256  # the SVG is drawn on a 256 grid
    d.rounded_rectangle((8 * u, 8 * u, 248 * u, 248 * u), radius=48 * u, fill=TEAL)
    d.ellipse((48 * u, 48 * u, 208 * u, 208 * u), outline=WHITE, width=round(16 * u))
    d.line((128 * u, 128 * u, 128 * u, 80 * u), fill=WHITE, width=round(16 * u))
    d.line((128 * u, 128 * u, 164 * u, 148 * u), fill=WHITE, width=round(16 * u))
    r = 12 * u
    d.ellipse((128 * u - r, 128 * u - r, 128 * u + r, 128 * u + r), fill=WHITE)
    return image


def main() -> None:
    big = draw()
    big.resize((256, 256), Image.Resampling.LANCZOS).save(HERE / "hubnity.png", optimize=True)
    big.save(
        HERE / "hubnity.ico",
        sizes=[(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (128, 128), (256, 256)],
    )
    big.save(HERE / "hubnity.icns")


if __name__ == "__main__":
    main()
