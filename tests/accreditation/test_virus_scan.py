"""The clamd client against a small fake clamd on a real socket (TCP and Unix), and uploads refused by it."""

import contextlib
import socket
import struct
import threading
from collections.abc import Iterator

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from marketplace.accreditation.models import ProviderCheck
from marketplace.accreditation.services import AccreditationError, evidence_add, provider_checks_sync
from marketplace.core import virus_scan
from tests.accreditation.conftest import pdf_bytes

# The standard anti-virus test string: harmless, and every scanner reports it.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


class FakeClamd:
    """Speaks enough of clamd's protocol: zINSTREAM with length-prefixed chunks, and zPING.

    mode: "scan" answers like clamd (FOUND for the EICAR string, OK otherwise),
    "error" answers with a clamd error, "silent" never answers.
    """

    def __init__(self, server: socket.socket, mode: str = "scan") -> None:
        self.server = server
        self.mode = mode
        self.received: list[bytes] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        self.server.settimeout(0.2)
        while not self.stop.is_set():
            try:
                connection, _ = self.server.accept()
            except (TimeoutError, OSError):
                continue
            with connection:
                connection.settimeout(5)
                with contextlib.suppress(OSError):
                    self.handle(connection)

    def handle(self, connection: socket.socket) -> None:
        command = b""
        while not command.endswith(b"\0"):
            command += connection.recv(1)
        if command == b"zPING\0":
            connection.sendall(b"PONG\0")
            return
        assert command == b"zINSTREAM\0"
        data = b""
        while True:
            size = struct.unpack("!L", self._read(connection, 4))[0]
            if size == 0:
                break
            data += self._read(connection, size)
        self.received.append(data)
        if self.mode == "silent":
            self.stop.wait(3)
            return
        if self.mode == "error":
            connection.sendall(b"INSTREAM size limit exceeded. ERROR\0")
        elif EICAR in data:
            connection.sendall(b"stream: Eicar-Test-Signature FOUND\0")
        else:
            connection.sendall(b"stream: OK\0")

    @staticmethod
    def _read(connection: socket.socket, size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = connection.recv(size - len(data))
            if not chunk:
                raise OSError("closed")
            data += chunk
        return data

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
        self.server.close()


@pytest.fixture
def tcp_clamd(settings) -> Iterator[FakeClamd]:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen()
    fake = FakeClamd(server)
    settings.CLAMD_HOST, settings.CLAMD_PORT, settings.CLAMD_SOCKET = "127.0.0.1", server.getsockname()[1], ""
    settings.CLAMD_TIMEOUT = 1.0
    yield fake
    fake.close()


@pytest.fixture
def unix_clamd(settings, tmp_path) -> Iterator[FakeClamd]:
    path = str(tmp_path / "clamd.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen()
    fake = FakeClamd(server)
    settings.CLAMD_HOST, settings.CLAMD_SOCKET = "", path
    settings.CLAMD_TIMEOUT = 1.0
    yield fake
    fake.close()


def file_of(content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("file.pdf", content, content_type="application/pdf")


def test_no_scanner_is_configured_by_default(settings):
    settings.CLAMD_HOST = settings.CLAMD_SOCKET = ""
    assert not virus_scan.scanner_is_configured()


def test_a_clean_file_is_clean_and_is_streamed_whole(tcp_clamd):
    content = pdf_bytes() * 100  # more than one chunk
    result = virus_scan.scan_file(file_of(content))
    assert result.is_clean
    assert tcp_clamd.received == [content]


def test_the_eicar_test_string_is_reported_with_its_signature(tcp_clamd):
    result = virus_scan.scan_file(file_of(b"%PDF-1.4\n" + EICAR))
    assert not result.is_clean
    assert result.signature == "Eicar-Test-Signature"


def test_the_unix_socket_works_too(unix_clamd):
    assert virus_scan.scan_file(file_of(b"hello")).is_clean
    assert virus_scan.ping()


def test_a_clamd_error_is_a_scan_error(tcp_clamd):
    tcp_clamd.mode = "error"
    with pytest.raises(virus_scan.VirusScanError, match="size limit"):
        virus_scan.scan_file(file_of(b"hello"))


def test_a_clamd_that_does_not_answer_times_out(tcp_clamd, settings):
    tcp_clamd.mode = "silent"
    settings.CLAMD_TIMEOUT = 0.3
    with pytest.raises(virus_scan.VirusScanError, match="did not answer"):
        virus_scan.scan_file(file_of(b"hello"))


def test_an_unreachable_clamd_is_a_scan_error(settings):
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    settings.CLAMD_HOST, settings.CLAMD_PORT, settings.CLAMD_SOCKET = "127.0.0.1", port, ""
    with pytest.raises(virus_scan.VirusScanError, match="Could not reach clamd"):
        virus_scan.scan_file(file_of(b"hello"))
    assert not virus_scan.ping()


@pytest.fixture
def insurance(pa):
    provider_checks_sync(provider=pa)
    return ProviderCheck.objects.get(provider=pa, check_type__code="public-liability-insurance")


@pytest.mark.django_db
def test_evidence_is_scanned_when_a_scanner_is_configured(tcp_clamd, insurance):
    evidence = evidence_add(provider_check=insurance, upload=file_of(pdf_bytes()), by=None)
    assert evidence.was_virus_scanned is True
    assert len(tcp_clamd.received) == 1


@pytest.mark.django_db
def test_an_infected_upload_is_refused_and_not_stored(tcp_clamd, insurance):
    with pytest.raises(AccreditationError, match="contains a virus"):
        evidence_add(provider_check=insurance, upload=file_of(pdf_bytes() + EICAR), by=None)
    assert not insurance.evidence.exists()


@pytest.mark.django_db
def test_uploads_are_refused_while_a_configured_scanner_is_down(settings, insurance):
    settings.CLAMD_HOST, settings.CLAMD_PORT, settings.CLAMD_SOCKET = "127.0.0.1", 9, ""
    settings.CLAMD_TIMEOUT = 0.5
    with pytest.raises(AccreditationError, match="Try again later"):
        evidence_add(provider_check=insurance, upload=file_of(pdf_bytes()), by=None)
    assert not insurance.evidence.exists()
