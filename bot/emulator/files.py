"""Stored files: what the bot uploaded and what emulated users sent."""

from __future__ import annotations

import base64
import mimetypes
import struct
import zlib
from pathlib import PurePosixPath

from .models import StoredFile

# A valid 1x1 PNG, used for photos sent by emulated users.
TINY_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
# Enough of an Ogg page header to look like a voice note.
TINY_OGG = b"OggS\x00\x02" + bytes(22) + b"\x01\x13OpusHead\x01\x01" + bytes(10)

MAX_PHOTO_SIZE = 10 * 1024 * 1024  # TDLib refuses a bigger photo before uploading it

_FOLDERS = {"photo": ("photos", ".jpg"), "document": ("documents", ""), "voice": ("voice", ".oga"),
            "sticker": ("stickers", ".webp")}


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG, JPEG, GIF or WebP image; None if not an image."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return struct.unpack("<HH", data[6:10])
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return 512, 512  # good enough: only the format matters here
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                return None
            marker, length = data[i + 1], struct.unpack(">H", data[i + 2:i + 4])[0]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[i + 5:i + 9])
                return width, height
            i += 2 + length
    return None


def photo_refusal(data: bytes) -> str | None:
    """The error Telegram's servers give for photo bytes they will not take, or None.

    sendPhoto's documented limits: width + height at most 10000, a side at most 20 times the other.
    """
    size = image_size(data)
    if size is None or min(size) < 1:
        return "IMAGE_PROCESS_FAILED"
    width, height = size
    if width + height > 10000 or max(width, height) > 20 * min(width, height):
        return "PHOTO_INVALID_DIMENSIONS"
    return None


class FileStore:
    def __init__(self) -> None:
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._count = 0

    def add(self, data: bytes, *, kind: str, file_name: str | None = None,
            mime_type: str | None = None) -> StoredFile:
        self._count += 1
        n = self._count
        folder, ext = _FOLDERS[kind]
        if kind == "document" and file_name:
            ext = PurePosixPath(file_name).suffix
        if kind == "document" and file_name:
            # Telegram derives the MIME type from the name, not from the part's header.
            mime_type = mimetypes.guess_type(file_name)[0] or mime_type
        size = image_size(data) if kind == "photo" else None
        stored = StoredFile(
            file_id=f"EMU{kind[:2].upper()}{n:06d}-{zlib.crc32(data):08x}",
            file_unique_id=f"EMUQ{n:06d}",
            kind=kind,
            file_path=f"{folder}/file_{n}{ext}",
            data=data,
            file_name=file_name,
            mime_type=mime_type or ("audio/ogg" if kind == "voice" else None),
            width=size[0] if size else None,
            height=size[1] if size else None,
        )
        self._by_id[stored.file_id] = stored
        self._by_path[stored.file_path] = stored
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        return self._by_id.get(file_id)

    def by_path(self, path: str) -> StoredFile | None:
        return self._by_path.get(path)
