"""Photos attached to a report: whitelisted types, sniffed bytes, size limits, stored by hash."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from dispatch.api.http import UNSTORABLE, ApiError
from dispatch.errors import InvalidInput

MAX_PHOTO_BYTES = 8 * 1024 * 1024
MAX_PHOTOS = 6
MAX_MULTIPART_BYTES = MAX_PHOTOS * MAX_PHOTO_BYTES + 512 * 1024
#: Declared type → magic-byte check. The declared type alone is never trusted.
SNIFF = {
    "image/jpeg": lambda b: b[:3] == b"\xff\xd8\xff",
    "image/png": lambda b: b[:8] == b"\x89PNG\r\n\x1a\n",
    "image/webp": lambda b: b[:4] == b"RIFF" and b[8:12] == b"WEBP",
}


@dataclass(frozen=True)
class Photo:
    filename: str
    content_type: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def check_photo(index: int, filename: str, content_type: str, data: bytes) -> Photo:
    field = f"photos[{index}]"
    kind = content_type.split(";")[0].strip().lower()
    if kind not in SNIFF:
        raise ApiError(
            415,
            "unsupported_media_type",
            f"{field}: only JPEG, PNG and WebP photos",
            field=field,
            allowed=sorted(SNIFF),
        )
    if len(data) > MAX_PHOTO_BYTES:
        raise ApiError(
            413, "too_large", f"{field}: larger than {MAX_PHOTO_BYTES} bytes", field=field
        )
    if not data or not SNIFF[kind](data):
        raise ApiError(
            415, "unsupported_media_type", f"{field}: content is not {kind}", field=field
        )
    if UNSTORABLE.search(filename):
        raise InvalidInput(field, "the file name contains a character that cannot be stored")
    name = os.path.basename(filename or "photo")[:200] or "photo"
    return Photo(name, kind, data)


def store(data_dir: Path, photo: Photo) -> str:
    """Write the bytes once under ``attachments/ab/<sha256>``; return the relative path."""
    digest = photo.sha256
    relative = Path("attachments") / digest[:2] / digest
    target = data_dir / relative
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        # A private temporary name per writer, then an atomic rename: concurrent uploads of the
        # same photo each write whole files, and readers never see half a photo.
        with tempfile.NamedTemporaryFile(dir=target.parent, prefix=".up-", delete=False) as tmp:
            tmp.write(photo.data)
        os.replace(tmp.name, target)
    return relative.as_posix()
