"""Image headers and the PhotoSize ladder Telegram builds for an uploaded photo."""

from __future__ import annotations

import struct

# Telegram stores a photo at several sizes, each bounded on its longer side; the largest
# regular size is 1280 px (Bot API docs, PhotoSize; observed "s/m/x/y" thumbnails).
PHOTO_SIDE_LADDER = (90, 320, 800, 1280)

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_JPEG_SOF_MARKERS = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) read from a PNG, JPEG or GIF header; None if it is not such an image."""
    if data.startswith(_PNG_SIGNATURE) and len(data) >= 24 and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return width, height
    if data.startswith(b"\xff\xd8"):
        return _jpeg_size(data)
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    index = 2
    while index + 9 < len(data):
        if data[index] != 0xFF:
            return None
        marker = data[index + 1]
        if marker == 0xFF:  # fill byte
            index += 1
            continue
        segment_length = struct.unpack(">H", data[index + 2 : index + 4])[0]
        if marker in _JPEG_SOF_MARKERS:
            height, width = struct.unpack(">HH", data[index + 5 : index + 9])
            return width, height
        index += 2 + segment_length
    return None


def photo_ladder(width: int, height: int) -> list[tuple[int, int]]:
    """Sizes Telegram would list for a photo, ascending, the largest last."""
    longest = max(width, height)
    sizes: list[tuple[int, int]] = []
    for side in PHOTO_SIDE_LADDER:
        scale = min(1.0, side / longest)
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        if not sizes or size != sizes[-1]:
            sizes.append(size)
        if scale == 1.0:
            break
    return sizes
