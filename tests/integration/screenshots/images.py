"""Test images made with Pillow: realistic text screenshots, broken files, bombs."""

from __future__ import annotations

import io
import random
import struct
import zlib

from PIL import Image, ImageDraw


def text_screenshot(width: int = 1920, height: int = 1080, seed: int = 7) -> Image.Image:
    """A text-heavy, UI-like image: title bars, panes and many lines of small text."""
    rng = random.Random(seed)
    image = Image.new("RGB", (width, height), (245, 246, 248))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width, 32), fill=(40, 44, 52))
    draw.rectangle((0, 32, width // 5, height), fill=(230, 232, 236))
    words = ["invoice", "total", "customer", "project", "deadline", "report", "meeting",
             "hubnity", "screenshot", "timesheet", "approve", "budget", "ticket", "merge"]
    y = 44
    while y < height - 16:
        x = width // 5 + 16
        line = " ".join(rng.choice(words) for _ in range(rng.randint(6, 16)))
        draw.text((x, y), line, fill=(20, 20, 20))
        draw.text((8, y), rng.choice(words), fill=(60, 60, 90))
        y += 16
    return image


def encode(image: Image.Image, fmt: str = "PNG", **kw: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **kw)
    return out.getvalue()


def png_bytes(width: int = 640, height: int = 360) -> bytes:
    return encode(text_screenshot(width, height))


def jpeg_bytes(width: int = 640, height: int = 360) -> bytes:
    return encode(text_screenshot(width, height), "JPEG", quality=90)


def webp_bytes(width: int = 640, height: int = 360) -> bytes:
    return encode(text_screenshot(width, height), "WEBP", quality=90)


def bomb_png(side: int = 30000) -> bytes:
    """A tiny PNG declaring side x side pixels (all zero, deflated): a decompression bomb."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    row = b"\x00" + b"\x00" * side  # filter byte + 1 byte per pixel (grayscale)
    comp = zlib.compressobj(9)
    raw = b"".join(comp.compress(row) for _ in range(256)) + comp.flush()
    ihdr = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def noise_png(width: int, height: int, seed: int = 1) -> bytes:
    """Incompressible pixels: the PNG is about width*height*3 bytes."""
    rng = random.Random(seed)
    return encode(Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3)))


#: What a polyglot carries: a page that would run a script if a browser ever
#: treated the bytes as HTML.
HTML_PAYLOAD = b"<html><body><script>alert(1)</script></body></html>"


def jpeg_with_html() -> bytes:
    """A valid JPEG whose COM segment holds HTML, with more HTML after its end."""
    data = encode(text_screenshot(640, 360), "JPEG", quality=90, comment=HTML_PAYLOAD)
    return data + HTML_PAYLOAD


def png_with_html() -> bytes:
    """A valid PNG whose tEXt chunk holds HTML, with more HTML after IEND."""
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", HTML_PAYLOAD.decode())
    return encode(text_screenshot(640, 360), "PNG", pnginfo=info) + HTML_PAYLOAD


def jpeg_with_zip() -> bytes:
    """GIFAR-style: a valid JPEG with a ZIP (holding an HTML page) appended; both
    readers accept the file (the ZIP's directory is found from the end)."""
    import zipfile

    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("index.html", HTML_PAYLOAD)
        z.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n")
    return encode(text_screenshot(640, 360), "JPEG", quality=90) + archive.getvalue()
