"""A real Radicale CalDAV server for the tests: `python -m radicale` in a subprocess on a free port of
127.0.0.1, with a temporary configuration (plain htpasswd users, filesystem storage, owner-only
rights). The server can be stopped and started again on the same port and storage (to test a server
that goes down and comes back)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

USERS = {"alice": "alice-secret", "bob": "bob-secret"}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class RadicaleServer:
    folder: Path
    port: int = field(default_factory=_free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def user_url(self, user: str) -> str:
        return f"{self.url}{user}/"

    def write_config(self) -> Path:
        users = self.folder / "users"
        users.write_text("".join(f"{name}:{password}\n" for name, password in USERS.items()))
        (self.folder / "collections").mkdir(exist_ok=True)
        config = self.folder / "config"
        config.write_text(
            "[server]\n"
            f"hosts = 127.0.0.1:{self.port}\n"
            "[auth]\n"
            "type = htpasswd\n"
            f"htpasswd_filename = {users}\n"
            "htpasswd_encryption = plain\n"
            "delay = 0\n"
            "[storage]\n"
            f"filesystem_folder = {self.folder / 'collections'}\n"
            "[rights]\n"
            "type = owner_only\n"
            "[logging]\n"
            "level = warning\n"
        )
        return config

    def start(self) -> None:
        config = self.write_config()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "radicale", "--config", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"Radicale exited with {self.process.returncode}")
            if _port_open(self.port):
                return
            time.sleep(0.05)
        self.stop()
        pytest.fail("Radicale did not open its port within 30 s")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


def radicale_running(tmp_path: Path) -> Iterator[RadicaleServer]:
    """For a fixture: a Radicale server of its own for one test (storage in the test's temporary
    folder), stopped afterwards.

        @pytest.fixture
        def server(tmp_path): yield from radicale_running(tmp_path)
    """
    server = RadicaleServer(folder=tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()
