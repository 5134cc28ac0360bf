"""Secrets the CRM must give back to another server (IMAP and CalDAV passwords), encrypted at rest
with Fernet. The key is settings.CRM_SECRETS_KEY (a Fernet key), or one derived from SECRET_KEY when it
is not set; rotating SECRET_KEY without CRM_SECRETS_KEY makes stored passwords unreadable (the pages
then ask for them again: `decrypt` raises SecretUnreadable)."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


class SecretUnreadable(ValueError):
    """The stored secret cannot be decrypted with the current key."""


def _fernet() -> Fernet:
    key = getattr(settings, "CRM_SECRETS_KEY", "")
    if not key:
        digest = hashlib.sha256(f"crm-secretbox:{settings.SECRET_KEY}".encode()).digest()
        key = base64.urlsafe_b64encode(digest).decode()
    return Fernet(key.encode() if isinstance(key, str) else key)


def encrypt(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode() if plain else ""


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise SecretUnreadable("The stored secret cannot be read with the current key.") from error
