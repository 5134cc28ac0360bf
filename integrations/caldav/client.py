"""The CalDAV conversation, wrapped: discovery with the `caldav` library, then plain WebDAV requests
(REPORT calendar-query for the etags of a range, calendar-multiget for the bodies, PUT with
If-Match / If-None-Match, DELETE) whose answers we read ourselves, so that every server speaks the
same small dialect to the sync. Every failure becomes a `CalDAVError` with a kind the sync maps to a
readable, translated message."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote, unquote, urljoin, urlparse
from xml.sax.saxutils import escape

from caldav.davclient import DAVClient
from caldav.lib import error as dav_error
from django.utils.translation import gettext_lazy as _

DAV = "{DAV:}"
CALDAV = "{urn:ietf:params:xml:ns:caldav}"
TIMEOUT_SECONDS = 20


class CalDAVError(Exception):
    """A failure talking to the server. `kind`: auth, unreachable, timeout, server, protocol, conflict."""

    MESSAGES: dict[str, Any] = {
        "auth": _("The calendar server refused the user name or password."),
        "unreachable": _("The calendar server cannot be reached (address wrong or server down)."),
        "timeout": _("The calendar server did not answer in time."),
        "server": _("The calendar server reported an error (HTTP %(status)s)."),
        "server_unknown": _("The calendar server reported an error."),
        "protocol": _("The calendar server's answer could not be understood."),
        "not_found": _("The calendar was not found on the server."),
        "conflict": _("The event changed on the server in the meantime."),
    }

    def __init__(self, kind: str, detail: str = "", status: int | None = None) -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind
        self.detail = detail
        self.status = status

    def message(self) -> str:
        """The readable message, in the active language."""
        text = str(self.MESSAGES.get(self.kind, self.MESSAGES["protocol"]))
        return text % {"status": self.status or "?"} if "%(status)s" in text else text


@dataclass(frozen=True)
class CalendarInfo:
    url: str
    name: str


@dataclass(frozen=True)
class RemoteEvent:
    href: str  # the path, unquoted (normalised with `href_key`)
    etag: str
    data: str


def href_key(href: str) -> str:
    """One spelling of a resource's address: its path, percent-decoding undone."""
    return unquote(urlparse(href).path)


def _status_of(text: str | None) -> int:
    # "HTTP/1.1 404 Not Found"
    parts = (text or "").split()
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 200


class CalendarClient:
    def __init__(self, *, url: str, username: str, password: str, timeout: int | None = None) -> None:
        from django.conf import settings

        if timeout is None:
            timeout = getattr(settings, "CALDAV_TIMEOUT_SECONDS", TIMEOUT_SECONDS)
        self.url = url
        self._client = DAVClient(
            url=url, username=username, password=password, timeout=timeout, enable_rfc6764=False
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> CalendarClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, function: Any, *args: Any, **kwargs: Any) -> Any:
        """Run one request, turning library and network failures into CalDAVError."""
        try:
            response = function(*args, **kwargs)
        except CalDAVError:
            raise
        except dav_error.AuthorizationError as exc:
            raise CalDAVError("auth", str(exc)) from exc
        except dav_error.NotFoundError as exc:
            raise CalDAVError("not_found", str(exc)) from exc
        except dav_error.DAVError as exc:
            found = re.search(r"\b([45]\d\d)\b", str(exc))
            status = int(found.group(1)) if found else None
            if status in (401, 403):
                raise CalDAVError("auth", str(exc), status=status) from exc
            raise CalDAVError("server" if status else "server_unknown", str(exc), status=status) from exc
        except TimeoutError as exc:
            raise CalDAVError("timeout", str(exc)) from exc
        except OSError as exc:
            # niquests' ConnectionError and Timeout are OSErrors.
            kind = "timeout" if "timeout" in type(exc).__name__.lower() else "unreachable"
            raise CalDAVError(kind, str(exc)) from exc
        except (ValueError, KeyError, AttributeError) as exc:
            raise CalDAVError("protocol", str(exc)) from exc
        status = getattr(response, "status", None)
        if isinstance(status, int):
            if status in (401, 403):
                raise CalDAVError("auth", status=status)
            if status == 412:
                raise CalDAVError("conflict", status=status)
            if status >= 500:
                raise CalDAVError("server", status=status)
        return response

    # Discovery -------------------------------------------------------------------------------------

    def calendars(self) -> list[CalendarInfo]:
        """The principal's calendars that hold events."""
        principal = self._call(self._client.principal)
        found = self._call(principal.calendars)
        result = []
        for calendar in found:
            try:
                name = calendar.get_display_name() or ""
            except dav_error.DAVError:
                name = ""
            url = str(calendar.url)
            result.append(CalendarInfo(url=url, name=name or href_key(url).rstrip("/").rsplit("/", 1)[-1]))
        return result

    def calendar_create(self, *, name: str) -> CalendarInfo:
        principal = self._call(self._client.principal)
        calendar = self._call(principal.make_calendar, name=name)
        return CalendarInfo(url=str(calendar.url), name=name)

    # Events ----------------------------------------------------------------------------------------

    def etags(self, *, calendar_url: str, start: datetime, end: datetime) -> dict[str, str]:
        """href -> etag of the events that overlap [start, end)."""
        body = (
            '<?xml version="1.0" encoding="utf-8"?>'
            '<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
            "<D:prop><D:getetag/></D:prop>"
            '<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">'
            f'<C:time-range start="{_utc(start)}" end="{_utc(end)}"/>'
            "</C:comp-filter></C:comp-filter></C:filter>"
            "</C:calendar-query>"
        )
        response = self._call(self._client.request, calendar_url, "REPORT", body, _xml_headers(depth="1"))
        if response.status == 404:
            raise CalDAVError("not_found", calendar_url, status=404)
        return {
            href: etag
            for href, status, etag, _data in self._responses(response)
            if status == 200 and not href.endswith("/")
        }

    def fetch(self, *, calendar_url: str, hrefs: Iterable[str]) -> tuple[list[RemoteEvent], set[str]]:
        """The events at these addresses, and the addresses the server no longer has."""
        wanted = sorted({href_key(href) for href in hrefs})
        if not wanted:
            return [], set()
        body = (
            '<?xml version="1.0" encoding="utf-8"?>'
            '<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
            "<D:prop><D:getetag/><C:calendar-data/></D:prop>"
            + "".join(f"<D:href>{escape(quote(href))}</D:href>" for href in wanted)
            + "</C:calendar-multiget>"
        )
        response = self._call(self._client.request, calendar_url, "REPORT", body, _xml_headers(depth="1"))
        events: list[RemoteEvent] = []
        seen: set[str] = set()
        for href, status, etag, data in self._responses(response):
            if status == 200 and data:
                events.append(RemoteEvent(href=href, etag=etag, data=data))
                seen.add(href)
            elif status == 404:
                continue
        return events, set(wanted) - seen

    def put(self, *, href: str, ics: str, etag: str | None) -> str:
        """Create (etag None: only if nothing is there) or replace (only if still at `etag`) an event;
        returns the new etag (empty when the server does not say)."""
        headers = {"Content-Type": "text/calendar; charset=utf-8"}
        if etag:
            headers["If-Match"] = etag
        else:
            headers["If-None-Match"] = "*"
        response = self._call(self._client.put, self._absolute(href), ics, headers)
        if response.status not in (200, 201, 204):
            raise CalDAVError("server", status=response.status)
        return str(response.headers.get("ETag") or response.headers.get("etag") or "")

    def delete(self, *, href: str) -> None:
        """Delete an event; one already gone is fine."""
        response = self._call(self._client.delete, self._absolute(href))
        if response.status not in (200, 204, 404):
            raise CalDAVError("server", status=response.status)

    def _absolute(self, href: str) -> str:
        return urljoin(self.url, quote(href_key(href)))

    def _responses(self, response: Any) -> Iterable[tuple[str, int, str, str]]:
        if response.status not in (200, 207):
            raise CalDAVError("server" if response.status >= 500 else "protocol", status=response.status)
        tree = response.tree
        if tree is None:
            raise CalDAVError("protocol", "empty answer")
        for item in tree.iter(f"{DAV}response"):
            href_element = item.find(f"{DAV}href")
            if href_element is None or not href_element.text:
                continue
            href = href_key(href_element.text.strip())
            status = _status_of(item.findtext(f"{DAV}status"))
            etag, data = "", ""
            for propstat in item.iter(f"{DAV}propstat"):
                if _status_of(propstat.findtext(f"{DAV}status")) != 200:
                    continue
                etag = propstat.findtext(f"{DAV}prop/{DAV}getetag") or etag
                data = propstat.findtext(f"{DAV}prop/{CALDAV}calendar-data") or data
            if item.find(f"{DAV}propstat") is not None and item.find(f"{DAV}status") is None and not etag:
                status = 404
            yield href, status, etag.strip(), data


def _xml_headers(*, depth: str) -> dict[str, str]:
    return {"Content-Type": 'application/xml; charset="utf-8"', "Depth": depth}


def _utc(moment: datetime) -> str:
    from datetime import UTC

    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def address_allowed(url: str) -> bool:
    """False when the address points to this machine or a private network (the server would be made to
    call inside its own network), unless settings.CALDAV_ALLOW_PRIVATE_ADDRESSES (tests, a LAN install)."""
    import ipaddress
    import socket

    from django.conf import settings

    if getattr(settings, "CALDAV_ALLOW_PRIVATE_ADDRESSES", False):
        return True
    parsed = urlparse(url)
    if parsed.scheme not in {"http", "https"} or not parsed.hostname:
        return False
    try:
        infos = socket.getaddrinfo(parsed.hostname, parsed.port or 443, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return True  # unknown name: the connection itself fails with a readable message
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if not address.is_global:
            return False
    return True
