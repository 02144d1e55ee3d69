"""An optional virus scan of uploads by clamd (ClamAV's daemon), over TCP or a Unix socket.

Off unless CLAMD_HOST (with CLAMD_PORT) or CLAMD_SOCKET is set. When it is
configured, every upload is streamed to clamd with its INSTREAM command
before it is stored: a file clamd reports as infected is refused, and if clamd
cannot be reached or answers with an error the upload is refused too (fail
closed: "try again later"), because a scanner someone configured and that is
silently skipped protects no one. See docs/accreditation.md.
"""

import socket
import struct
from dataclasses import dataclass
from typing import Any

from django.conf import settings

CHUNK_BYTES = 64 * 1024


class VirusScanError(Exception):
    """The scanner could not give an answer (unreachable, timed out, or it reported an error)."""


@dataclass(frozen=True)
class ScanResult:
    is_clean: bool
    signature: str = ""


def scanner_is_configured() -> bool:
    return bool(settings.CLAMD_SOCKET or settings.CLAMD_HOST)


def _connect() -> socket.socket:
    timeout = settings.CLAMD_TIMEOUT
    if settings.CLAMD_SOCKET:
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        connection.settimeout(timeout)
        try:
            connection.connect(settings.CLAMD_SOCKET)
        except OSError:
            connection.close()
            raise
        return connection
    return socket.create_connection((settings.CLAMD_HOST, settings.CLAMD_PORT), timeout=timeout)


def _read_reply(connection: socket.socket) -> str:
    reply = b""
    while not reply.endswith(b"\0"):
        chunk = connection.recv(4096)
        if not chunk:
            break
        reply += chunk
    return reply.rstrip(b"\0").decode("utf-8", "replace").strip()


def scan_file(file: Any) -> ScanResult:
    """Stream a file to clamd and say whether it is clean; raises VirusScanError when there is no answer.

    The file is read from its start and left at its start.
    """
    if not scanner_is_configured():
        raise VirusScanError("No virus scanner is configured (CLAMD_HOST or CLAMD_SOCKET)")
    try:
        file.seek(0)
        with _connect() as connection:
            connection.sendall(b"zINSTREAM\0")
            while chunk := file.read(CHUNK_BYTES):
                connection.sendall(struct.pack("!L", len(chunk)) + chunk)
            connection.sendall(struct.pack("!L", 0))
            reply = _read_reply(connection)
    except TimeoutError as error:
        raise VirusScanError(f"clamd did not answer within {settings.CLAMD_TIMEOUT} seconds") from error
    except OSError as error:
        raise VirusScanError(f"Could not reach clamd: {error}") from error
    finally:
        file.seek(0)
    return parse_reply(reply)


def parse_reply(reply: str) -> ScanResult:
    """clamd answers 'stream: OK', 'stream: <signature> FOUND' or '<message> ERROR'."""
    if not reply:
        raise VirusScanError("clamd closed the connection without an answer")
    body = reply.split(":", 1)[1].strip() if ":" in reply else reply
    if body == "OK":
        return ScanResult(is_clean=True)
    if body.endswith(" FOUND"):
        return ScanResult(is_clean=False, signature=body.removesuffix(" FOUND").strip())
    raise VirusScanError(f"clamd reported: {reply}")


def ping() -> bool:
    """Whether clamd answers PING (for health checks)."""
    try:
        with _connect() as connection:
            connection.sendall(b"zPING\0")
            return _read_reply(connection) == "PONG"
    except OSError:
        return False
