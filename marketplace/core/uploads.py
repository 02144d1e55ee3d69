"""Checking uploaded documents by what they contain, not by their name or the type the browser declared.

Vetting evidence and monitoring attachments accept PDF, JPEG and PNG only. A
file is accepted when its first bytes say it is one of those (`filetype`), a
PDF starts with `%PDF-`, and an image opens and verifies with Pillow. An SVG,
a web page or a program renamed `.pdf` is refused; a PNG named `.pdf` is
accepted as the PNG it is. See docs/decisions/0016-evidence-uploads.md.
"""

import logging
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import filetype
from django.conf import settings
from PIL import Image, UnidentifiedImageError

from . import virus_scan

logger = logging.getLogger(__name__)


class UploadError(ValueError):
    """An upload that is refused; the message is for the person who chose the file."""


@dataclass(frozen=True)
class DetectedType:
    """What a file really is: kind ("pdf", "jpeg", "png"), its MIME type and the extension to store it with."""

    kind: str
    content_type: str
    extension: str


KINDS: dict[str, DetectedType] = {
    "pdf": DetectedType("pdf", "application/pdf", "pdf"),
    "jpeg": DetectedType("jpeg", "image/jpeg", "jpg"),
    "png": DetectedType("png", "image/png", "png"),
}
# filetype's names for the kinds above.
FILETYPE_NAMES = {"pdf": "pdf", "jpg": "jpeg", "png": "png"}
PILLOW_FORMATS = {"jpeg": "JPEG", "png": "PNG"}
DISPLAY_NAMES = {"pdf": "PDF", "jpeg": "JPG", "png": "PNG"}
HEADER_BYTES = 8192


def allowed_description(allowed: Iterable[str]) -> str:
    """'a PDF, JPG or PNG'."""
    names = [DISPLAY_NAMES[kind] for kind in allowed]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
    return f"a {listed}"


def megabytes(size: int) -> str:
    """'10MB', '2.5MB' when it is not whole, or '500KB' below a megabyte."""
    if size < 1024 * 1024:
        return f"{max(size // 1024, 1)}KB"
    value = size / (1024 * 1024)
    return f"{value:.0f}MB" if value == int(value) else f"{value:.1f}MB"


def accept_attribute(allowed: Iterable[str] = ("pdf", "jpeg", "png")) -> str:
    """The `accept` attribute for a file input: a hint to the browser only, never trusted."""
    parts: list[str] = []
    for kind in allowed:
        detected = KINDS[kind]
        parts += [f".{detected.extension}", detected.content_type]
        if kind == "jpeg":
            parts.append(".jpeg")
    return ",".join(parts)


def file_size(file: Any) -> int:
    """The size of an uploaded file, or of any seekable file object."""
    size = getattr(file, "size", None)
    if size is None:
        position = file.tell()
        file.seek(0, 2)
        size = file.tell()
        file.seek(position)
    return int(size)


def validate_upload(
    file: Any, *, allowed: Iterable[str] = ("pdf", "jpeg", "png"), max_bytes: int | None = None
) -> DetectedType:
    """Return what the file really is, or raise UploadError saying why it is refused.

    `file` is an uploaded file (or any binary file object); it is left at its start.
    """
    allowed = tuple(allowed)
    unknown = set(allowed) - set(KINDS)
    if unknown:
        raise ValueError(f"Unknown upload kinds: {sorted(unknown)}")
    max_bytes = settings.UPLOAD_MAX_BYTES if max_bytes is None else max_bytes
    wrong_type = f"The selected file must be {allowed_description(allowed)}"

    if file is None:
        raise UploadError("Select a file")
    size = file_size(file)
    if size == 0:
        raise UploadError("The selected file is empty")
    if size > max_bytes:
        raise UploadError(f"The selected file must be smaller than {megabytes(max_bytes)}")

    file.seek(0)
    header = file.read(HEADER_BYTES)
    file.seek(0)
    guess = filetype.guess(header)
    kind = FILETYPE_NAMES.get(guess.extension) if guess is not None else None
    if kind is None or kind not in allowed:
        raise UploadError(wrong_type)

    if kind == "pdf":
        if not header.startswith(b"%PDF-"):
            raise UploadError(wrong_type)
    else:
        _verify_image(file, expected_format=PILLOW_FORMATS[kind], message=wrong_type)
    file.seek(0)
    return KINDS[kind]


def check_upload(
    file: Any, *, allowed: Iterable[str] = ("pdf", "jpeg", "png"), max_bytes: int | None = None
) -> DetectedType:
    """The one check every upload makes before it is stored: what the file really is, by its content and
    within the size limit (`validate_upload`), then the virus scan when a scanner is configured. A file the
    scanner finds infected is refused, and so is every file while a configured scanner cannot answer (fail
    closed). Raises UploadError with a message for the person who chose the file; leaves it at its start.
    """
    detected = validate_upload(file, allowed=allowed, max_bytes=max_bytes)
    if virus_scan.scanner_is_configured():
        try:
            result = virus_scan.scan_file(file)
        except virus_scan.VirusScanError as error:
            logger.error("Virus scanner unavailable, upload refused: %s", error)
            raise UploadError("We could not check the file for viruses just now. Try again later.") from error
        if not result.is_clean:
            logger.warning("Upload refused: %s", result.signature)
            raise UploadError("The selected file contains a virus. It has not been saved.")
    file.seek(0)
    return detected


def _verify_image(file: Any, *, expected_format: str, message: str) -> None:
    """The image opens, is the format its first bytes claim, is not a decompression bomb and verifies."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            file.seek(0)
            with Image.open(file) as image:
                if image.format != expected_format:
                    raise UploadError(message)
                image.verify()
    except UploadError:
        raise
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        SyntaxError,
        ValueError,
    ) as error:
        raise UploadError(
            "The selected file could not be opened. Save it again as a PDF, JPG or PNG and upload that"
        ) from error
    finally:
        file.seek(0)


ABANDONED_AFTER_SECONDS = 60 * 60


def uploads_remove_abandoned(*, now: float | None = None) -> int:
    """Delete partial upload files a killed request left behind; returns how many.

    Django streams uploads over 2.5 MB to FILE_UPLOAD_TEMP_DIR and deletes each
    file when the request ends, but a worker killed mid-upload (a timeout, a
    restart) never gets to. Uploads go to a folder of their own, so anything
    in it older than an hour is an abandoned upload.
    """
    import os
    import time

    from django.conf import settings

    folder = settings.FILE_UPLOAD_TEMP_DIR
    if not folder or not os.path.isdir(folder):
        return 0
    cutoff = (time.time() if now is None else now) - ABANDONED_AFTER_SECONDS
    removed = 0
    with os.scandir(folder) as entries:
        for entry in entries:
            try:
                if entry.is_file(follow_symlinks=False) and entry.stat().st_mtime < cutoff:
                    os.remove(entry.path)
                    removed += 1
            except FileNotFoundError:
                continue  # finished or removed meanwhile
    return removed
