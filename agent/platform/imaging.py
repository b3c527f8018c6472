"""Image work on the device: blur, black-frame detection, encoding.

Pure Pillow functions (no display), run on the capture worker thread.
"""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFilter, ImageStat

# Blur radius per policy level, in full-resolution pixels. Level 1 hides
# text, level 3 leaves only large shapes.
_BLUR_RADIUS = {0: 0, 1: 6, 2: 14, 3: 28}
THUMB_WIDTH = 240


def from_bgra(size: tuple[int, int], bgra: bytes) -> Image.Image:
    return Image.frombuffer("RGB", size, bgra, "raw", "BGRX", 0, 1)


def blur(img: Image.Image, level: int) -> Image.Image:
    """Blur so that sharp pixels never leave the device.

    Blurring a 4x-reduced copy and scaling it back costs a fraction of a
    full-size Gaussian and looks the same at these radii."""
    radius = _BLUR_RADIUS.get(max(0, min(level, 3)), 0)
    if radius == 0:
        return img
    factor = 4
    small = img.reduce(factor)
    small = small.filter(ImageFilter.GaussianBlur(radius / factor))
    return small.resize(img.size, Image.Resampling.BILINEAR)


def black_reason(img: Image.Image) -> str | None:
    """A frame with (almost) no light is not a screenshot but a failed one:
    Wayland without a portal and macOS without Screen Recording permission
    both hand back black pixels instead of an error."""
    probe = img.reduce(16) if min(img.size) >= 64 else img
    extrema = probe.getextrema()
    brightest = max(hi for _lo, hi in extrema) if isinstance(extrema[0], tuple) else extrema[1]
    if brightest <= 8:
        return "the captured screen is completely black"
    if max(ImageStat.Stat(probe).stddev) < 0.5 and brightest <= 16:
        return "the captured screen is uniformly dark"
    return None


def encode_jpeg(img: Image.Image, quality: int = 70) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality, optimize=False)
    return buf.getvalue()


def thumbnail(img: Image.Image, width: int = THUMB_WIDTH) -> bytes:
    h = max(1, round(img.height * width / img.width))
    small = img.reduce(max(1, img.width // (width * 2)))
    small = small.resize((width, h), Image.Resampling.BILINEAR)
    return encode_jpeg(small, quality=60)


def placeholder(reason: str, size: tuple[int, int] = (480, 270)) -> bytes:
    """A small PNG that says why there is no screenshot (uploaded instead of a black frame)."""
    img = Image.new("RGB", size, (64, 64, 72))
    draw = ImageDraw.Draw(img)
    draw.text((16, 16), "Screenshot not available", fill=(255, 255, 255))
    y = 48
    words, line = reason.split(), ""
    for word in words:
        if len(line) + len(word) > 60:
            draw.text((16, y), line, fill=(220, 220, 220))
            y, line = y + 18, ""
        line = f"{line} {word}".strip()
    draw.text((16, y), line, fill=(220, 220, 220))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()
