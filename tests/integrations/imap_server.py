"""A real IMAP server for the tests: Dovecot on 127.0.0.1 and a free port, no SSL, one user with a plain
password, mail in a temporary Maildir. Messages are delivered with IMAP APPEND (`server.append(raw)`).

    def test_x(imap_server): imap_server.host, imap_server.port, imap_server.user, imap_server.password

The tests that need it are skipped only when /usr/sbin/dovecot is missing (CI installs it)."""

from __future__ import annotations

import getpass
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

DOVECOT = "/usr/sbin/dovecot"
USER = "dropbox"
PASSWORD = "secret-dropbox-password"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _system_user() -> str:
    """Dovecot's internal and login users: its own when they exist, else whoever runs the tests."""
    for name in ("dovecot", "dovenull"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            return getpass.getuser()
    return "dovecot"


@dataclass
class ImapServer:
    host: str
    port: int
    user: str
    password: str
    root: Path
    process: subprocess.Popen[bytes]

    def client(self) -> imaplib.IMAP4:
        client = imaplib.IMAP4(self.host, self.port, timeout=10)
        client.login(self.user, self.password)
        return client

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        client = self.client()
        try:
            status, data = client.append(folder, "", imaplib.Time2Internaldate(time.time()), raw)
            assert status == "OK", data
        finally:
            client.logout()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def _mail_owner() -> tuple[int, int]:
    """Dovecot refuses to store mail as root: as root (CI), mail belongs to an unprivileged user."""
    if os.getuid() != 0:
        return os.getuid(), os.getgid()
    for name in ("dovecot", "nobody"):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        return entry.pw_uid, entry.pw_gid
    raise RuntimeError("no unprivileged user to own the test mail")


def _config(root: Path, port: int) -> str:
    internal = _system_user()
    login = "dovenull" if internal == "dovecot" else internal
    uid, gid = _mail_owner()
    return f"""
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
instance_name = crm-test-{port}
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_login_user = {login}
mail_location = maildir:{root}/mail/%u
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    port = 0
  }}
}}
service submission-login {{
  inet_listener submission {{
    port = 0
  }}
}}
service lmtp {{
  unix_listener lmtp {{
    mode = 0600
  }}
}}
"""


def _wait_for(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"dovecot exited: {log.read_text() if log.exists() else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
                if connection.recv(100).startswith(b"* OK"):
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"dovecot did not listen on {port}: {log.read_text() if log.exists() else ''}")


def start_server() -> ImapServer:
    # Not pytest's tmp_path: its parents are private to the user running the tests, and the mail
    # processes run as an unprivileged user that must reach the Maildir.
    root = Path(tempfile.mkdtemp(prefix="crm-dovecot-"))
    root.chmod(0o755)
    uid, gid = _mail_owner()
    for name in ("run", "state", "mail", "home"):
        (root / name).mkdir()
        (root / name).chmod(0o755)
    for name in ("mail", "home"):
        os.chown(root / name, uid, gid)
    (root / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    port = _free_port()
    config = root / "dovecot.conf"
    config.write_text(_config(root, port))
    process = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    server = ImapServer("127.0.0.1", port, USER, PASSWORD, root, process)
    try:
        _wait_for(port, process, root / "dovecot.log")
    except RuntimeError:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
        raise
    return server


@pytest.fixture
def imap_server() -> Iterator[ImapServer]:
    if not Path(DOVECOT).exists():
        pytest.skip(f"{DOVECOT} is missing: install dovecot-imapd to run the IMAP tests")
    server = start_server()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.root, ignore_errors=True)
