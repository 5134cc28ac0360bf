"""Logged-in sessions for the load generator, made before the measurements start.

Each simulated user gets a session of its own (sharing one would make 16 users queue on the same
session row, which real users never do). The login goes through the login page like a browser: the
CSRF token of the form, the POST, the session cookie of the answer. Argon2 makes a login cost a few
hundred milliseconds on purpose; done inside the measured window it would eat a short run whole.
"""

from __future__ import annotations

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request

from bench.database import BenchError

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SESSION_COOKIE = "sessionid"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def login(host: str, email: str, password: str) -> str:
    """The session cookie of a fresh login of `email`."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect())
    with opener.open(f"{host}/login/", timeout=30) as page:
        token = CSRF_FIELD.search(page.read().decode())
    if token is None:
        raise BenchError("the login page has no CSRF token")
    form = urllib.parse.urlencode(
        {"username": email, "password": password, "csrfmiddlewaretoken": token.group(1)}
    ).encode()
    request = urllib.request.Request(  # noqa: S310 - our own local server over http
        f"{host}/login/", data=form, headers={"Referer": f"{host}/login/"}
    )
    try:
        opener.open(request, timeout=30).close()
        status = 200
    except urllib.error.HTTPError as error:  # the 302 of a successful login, not followed
        status = error.code
    session = next((cookie.value for cookie in jar if cookie.name == SESSION_COOKIE), None)
    if status != 302 or not session:
        raise BenchError(f"the login of {email} failed (HTTP {status}): is the data set's password right?")
    return session


class SessionPool:
    """Sessions per user, made on first need and reused by the next scenarios of the run."""

    def __init__(self, host: str, password: str) -> None:
        self.host = host
        self.password = password
        self.sessions: dict[str, list[str]] = {}

    def take(self, email: str, count: int) -> list[str]:
        made = self.sessions.setdefault(email, [])
        while len(made) < count:
            made.append(login(self.host, email, self.password))
        return made[:count]
