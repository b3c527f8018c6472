"""Image work for screenshots, free of HTTP and storage: sniff, blur, thumbnail.

Everything here is CPU-bound and synchronous; callers run it in a thread.
Decoding is guarded: the pixel count is checked from the header before any
pixel is decoded, so a decompression bomb costs nothing but a rejection.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageFilter

#: 64 megapixels: an 8K monitor wall fits, a bomb does not.
MAX_PIXELS = 64_000_000
THUMB_WIDTH = 320
#: Thumbnails are JPEG: as small as WebP at this size (~21 KB for 320 px) and
#: ~18x cheaper to encode (0.3 ms against 4.8 ms for WebP method 2), which is
#: CPU spent on every screenshot. Thumbnails made before were WebP; their key
#: says which (`.thumb.webp` / `.thumb.jpg`).
THUMB_TYPE = "image/jpeg"
#: Gaussian radius per blur level for a 1920-px-wide image (scaled with width).
#: Level 3 smears 12-14 px UI text into unreadable bands.
BLUR_RADIUS = {0: 0.0, 1: 2.0, 2: 5.0, 3: 14.0}
REFERENCE_WIDTH = 1920

_MAGIC: list[tuple[str, str]] = [
    ("image/jpeg", "JPEG"),
    ("image/png", "PNG"),
    ("image/webp", "WEBP"),
]
FORMAT_OF_TYPE = dict(_MAGIC)
TYPE_OF_FORMAT = {fmt: ct for ct, fmt in _MAGIC}
EXTENSION = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
SNIFF_BYTES = 12
#: Pillow writes a decoded JPEG's COM segment back by default: a re-encoded
#: image (blur, thumbnail) is pixels only, without the uploader's comment
#: (which may be anything, a page of HTML included).
NO_COMMENT = b""
Size = tuple[int, int]


class InvalidImage(ValueError):
    """The bytes are not a usable image; the reason is shown to the user."""


def sniff(head: bytes) -> str | None:
    """The content type from magic bytes (needs the first 12 bytes), or None."""
    if head[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def describe_magic(head: bytes) -> str:
    """A short, safe description of unknown leading bytes for a 415 reason."""
    if not head:
        return "the file is empty"
    return f"leading bytes {head[:8].hex(' ')} are not JPEG, PNG or WebP"


@dataclass(frozen=True)
class Processed:
    width: int
    height: int
    #: Re-encoded blurred image, or None at blur level 0 (the original stays).
    full: bytes | None
    thumb: bytes


def blur_radius(level: int, width: int) -> float:
    return BLUR_RADIUS[level] * max(width, 1) / REFERENCE_WIDTH


def thumb_size(width: int, height: int) -> Size:
    thumb_width = min(THUMB_WIDTH, width)
    return thumb_width, max(1, round(height * thumb_width / max(width, 1)))


def open_guarded(data: bytes, thumbnail_only: bool = False) -> tuple[Image.Image, Size]:
    """Decodes the first frame; raises InvalidImage for bombs and broken files.
    Returns the image and its size as stored.

    `thumbnail_only`: only a thumbnail will be made, so a JPEG is decoded at
    the smallest of 1/2, 1/4, 1/8 scale still at least the thumbnail's size,
    in its IDCT (`Image.draft`), several times cheaper; every byte is still
    entropy-decoded, so a broken or truncated file is refused all the same.
    """
    try:
        image = Image.open(io.BytesIO(data), formats=list(TYPE_OF_FORMAT))
        width, height = image.size
        if width <= 0 or height <= 0:
            raise InvalidImage("image has no pixels")
        if width * height > MAX_PIXELS:
            raise InvalidImage(
                f"image is {width}x{height} pixels, above the {MAX_PIXELS} pixel limit "
                "(decompression bomb guard)"
            )
        if thumbnail_only and image.format == "JPEG":
            image.draft(None, thumb_size(width, height))
        image.load()
    except InvalidImage:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise InvalidImage(f"decompression bomb refused: {exc}") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        # Pillow reports truncated and corrupt data as OSError/SyntaxError.
        raise InvalidImage(f"cannot decode image: {exc}") from None
    return image, (width, height)


def _normalized(image: Image.Image) -> Image.Image:
    if image.mode in ("RGB", "RGBA", "L"):
        return image
    has_alpha = image.mode in ("LA", "PA", "RGBa", "La") or "transparency" in image.info
    return image.convert("RGBA" if has_alpha else "RGB")


def apply_blur(image: Image.Image, level: int) -> Image.Image:
    if level not in BLUR_RADIUS:
        raise ValueError(f"blur level must be 0 to 3, got {level}")
    if level == 0:
        return image
    return image.filter(ImageFilter.GaussianBlur(blur_radius(level, image.width)))


def encode(image: Image.Image, content_type: str) -> bytes:
    out = io.BytesIO()
    fmt = FORMAT_OF_TYPE[content_type]
    if fmt == "JPEG":
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(out, "JPEG", quality=85, comment=NO_COMMENT)
    elif fmt == "PNG":
        # Level 3 of 9: screenshots compress well already; speed matters more.
        image.save(out, "PNG", compress_level=3)
    else:
        image.save(out, "WEBP", quality=85, method=3)
    return out.getvalue()


def thumbnail(image: Image.Image, size: Size | None = None) -> bytes:
    """`size`: the thumbnail's, when `image` was decoded at a reduced scale."""
    # reducing_gap: a cheap integer downscale first, then a good filter.
    thumb = image.resize(
        size or thumb_size(*image.size), Image.Resampling.LANCZOS, reducing_gap=2.0
    )
    if thumb.mode != "RGB":
        # JPEG has no alpha: transparent parts show white, as on a page.
        background = Image.new("RGB", thumb.size, (255, 255, 255))
        background.paste(thumb, mask=thumb.getchannel("A") if "A" in thumb.mode else None)
        thumb = background
    out = io.BytesIO()
    thumb.save(out, "JPEG", quality=80, comment=NO_COMMENT)
    return out.getvalue()


def process(data: bytes, content_type: str, blur_level: int) -> Processed:
    """Blur (replacing the original when level > 0) and make the thumbnail."""
    # Level 0 keeps the original: only the thumbnail's pixels are needed.
    image, (width, height) = open_guarded(data, thumbnail_only=blur_level == 0)
    actual = TYPE_OF_FORMAT.get(image.format or "")
    if actual is None:
        raise InvalidImage(f"unsupported image format {image.format!r}")
    image = _normalized(image)
    blurred = apply_blur(image, blur_level)
    full = encode(blurred, actual) if blur_level > 0 else None
    return Processed(width, height, full, thumbnail(blurred, thumb_size(width, height)))
