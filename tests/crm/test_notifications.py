"""Kernel events and notifications: the registry, subscribers on commit, notify() honouring the
preferences and idempotent by key, the e-mail delivery sweep (each notification e-mailed once, even
with two workers), the notification centre, the preferences page and the unread badge."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test import Client

from crm import events, notifications
from crm.models import Notification, NotificationPreference
from crm.roles import Role
from crm.tenancy import tenant_scope

pytestmark = pytest.mark.django_db


@pytest.fixture
def test_event() -> Any:
    events.register_event("test.happened", "Something happened", "both")
    heard: list[dict[str, Any]] = []

    def handler(**payload: Any) -> None:
        heard.append(payload)

    events.subscribe("test.happened", handler)
    yield heard
    events.unsubscribe("test.happened", handler)


def test_subscribers_run_after_the_commit_only(
    tenant: Any, test_event: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True), tenant_scope(tenant):
        events.emit("test.happened", thing=1)
        assert test_event == []
    with django_capture_on_commit_callbacks(execute=False) as callbacks, tenant_scope(tenant):
        events.emit("test.happened", thing=2)
    assert test_event == [{"thing": 1}]
    assert len(callbacks) == 1  # queued for a commit that did not happen here: never run


def test_an_unknown_event_cannot_be_emitted(tenant: Any) -> None:
    with tenant_scope(tenant), pytest.raises(LookupError):
        events.emit("no.such.event")


def test_a_failing_subscriber_stops_neither_the_others_nor_the_emitter(
    tenant: Any, test_event: Any, django_capture_on_commit_callbacks: Any
) -> None:
    def broken(**payload: Any) -> None:
        raise RuntimeError("boom")

    (listening,) = events.subscribers("test.happened")
    events.unsubscribe("test.happened", listening)
    events.subscribe("test.happened", broken)
    events.subscribe("test.happened", listening)  # runs after the broken one
    try:
        with django_capture_on_commit_callbacks(execute=True), tenant_scope(tenant):
            events.emit("test.happened", thing=3)
    finally:
        events.unsubscribe("test.happened", broken)
    assert test_event == [{"thing": 3}]


def test_the_preference_decides_the_channel(tenant: Any, member: Any, test_event: Any) -> None:
    rep = member(tenant, Role.FIELD_SALES_REP)
    with tenant_scope(tenant):
        default = notifications.notify(user=rep.user, event="test.happened", key="a", title="A")
        assert (default.in_app, default.email_state) == (True, "pending")  # the event's default: both
        for channel, expected in (("app", (True, "none")), ("email", (False, "pending")), ("none", None)):
            NotificationPreference.objects.update_or_create(
                user=rep.user, event="test.happened", defaults={"channel": channel}
            )
            note = notifications.notify(user=rep.user, event="test.happened", key=f"k-{channel}", title="T")
            assert (None if note is None else (note.in_app, note.email_state)) == expected


def test_notify_is_idempotent_by_key(tenant: Any, member: Any, test_event: Any) -> None:
    rep = member(tenant, Role.FIELD_SALES_REP)
    with tenant_scope(tenant):
        first = notifications.notify(user=rep.user, event="test.happened", key="same", title="Un")
        second = notifications.notify(user=rep.user, event="test.happened", key="same", title="Deux")
        assert (first is not None, second) == (True, None)
        assert list(Notification.objects.values_list("title", flat=True)) == ["Un"]


def _pending(tenant: Any, user: Any, count: int) -> None:
    with tenant_scope(tenant):
        for index in range(count):
            notifications.notify(
                user=user,
                event="test.happened",
                key=f"n{index}",
                title=f"Note {index}",
                url="/t/durand/tasks/",
            )


def test_delivery_e_mails_each_pending_notification_once(
    tenant: Any, member: Any, test_event: Any, settings: Any
) -> None:
    settings.CRM_BASE_URL = "https://crm.example.com"
    rep = member(tenant, Role.FIELD_SALES_REP)
    _pending(tenant, rep.user, 3)
    with tenant_scope(tenant):
        first = notifications.deliver_pending(tenant=tenant, batch=2)
        second = notifications.deliver_pending(tenant=tenant)
        assert set(Notification.objects.values_list("email_state", flat=True)) == {"sent"}
    assert (first, second) == ({"sent": 3, "failed": 0}, {"sent": 0, "failed": 0})
    assert sorted(message.subject for message in mail.outbox) == ["Note 0", "Note 1", "Note 2"]
    assert "https://crm.example.com/t/durand/tasks/" in mail.outbox[0].body


def test_a_failed_e_mail_is_marked_failed_not_retried_forever(
    tenant: Any, member: Any, test_event: Any, monkeypatch: Any
) -> None:
    rep = member(tenant, Role.FIELD_SALES_REP)
    _pending(tenant, rep.user, 1)

    def refuse(self: Any, fail_silently: bool = False) -> int:
        raise OSError("SMTP down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    with tenant_scope(tenant):
        assert notifications.deliver_pending(tenant=tenant) == {"sent": 0, "failed": 1}
        assert Notification.objects.get().email_state == "failed"


@pytest.mark.django_db(transaction=True)
def test_two_workers_deliver_each_notification_once(tenant: Any, member: Any, test_event: Any) -> None:
    rep = member(tenant, Role.FIELD_SALES_REP)
    _pending(tenant, rep.user, 40)
    barrier = threading.Barrier(2)
    results: list[dict[str, int]] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            with tenant_scope(tenant):
                results.append(notifications.deliver_pending(tenant=tenant, batch=5))
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(result["sent"] for result in results) == 40
    assert len(mail.outbox) == 40
    assert len({message.subject for message in mail.outbox}) == 40


@pytest.mark.django_db(transaction=True)
def test_a_locked_notification_is_left_to_the_worker_holding_it(
    tenant: Any, member: Any, test_event: Any
) -> None:
    """SKIP LOCKED: rows another transaction holds are skipped, not waited for nor sent twice."""
    rep = member(tenant, Role.FIELD_SALES_REP)
    _pending(tenant, rep.user, 2)
    with tenant_scope(tenant):
        held = Notification.objects.filter(email_state="pending", title="Note 0").get()
    holder_ready = threading.Event()
    release = threading.Event()
    errors: list[BaseException] = []

    def holder() -> None:
        try:
            with tenant_scope(tenant):
                Notification.objects.select_for_update().filter(pk=held.pk).get()
                holder_ready.set()
                release.wait(timeout=30)
        except BaseException as error:  # reported below
            errors.append(error)
            holder_ready.set()
        finally:
            connection.close()

    thread = threading.Thread(target=holder)
    thread.start()
    holder_ready.wait(timeout=30)
    try:
        with tenant_scope(tenant):
            sent = notifications.deliver_pending(tenant=tenant)
    finally:
        release.set()
        thread.join()
    assert errors == []
    assert sent == {"sent": 1, "failed": 0}
    assert [message.subject for message in mail.outbox] == ["Note 1"]


def test_the_centre_lists_mine_newest_first_and_marks_read(
    tenant: Any, client_of: Any, member: Any, test_event: Any
) -> None:
    client, rep = client_of(tenant, Role.FIELD_SALES_REP)
    other = member(tenant, Role.FIELD_SALES_REP)
    with tenant_scope(tenant):
        old = notifications.notify(
            user=rep.user, event="test.happened", key="1", title="Ancienne", url="/t/durand/tasks/"
        )
        new = notifications.notify(user=rep.user, event="test.happened", key="2", title="Récente")
        foreign = notifications.notify(user=other.user, event="test.happened", key="3", title="Pas à moi")
    page = client.get("/t/durand/notifications/")
    body = page.content.decode()
    assert page.status_code == 200
    assert body.index("Récente") < body.index("Ancienne")
    assert "Pas à moi" not in body
    assert "<strong>Récente</strong>" in body
    opened = client.post(f"/t/durand/notifications/{old.pk}/read/", {"open": "1"})
    assert (opened.status_code, opened["Location"]) == (302, "/t/durand/tasks/")
    assert client.post(f"/t/durand/notifications/{foreign.pk}/read/").status_code == 404
    client.post("/t/durand/notifications/read-all/")
    with tenant_scope(tenant):
        assert Notification.objects.get(pk=new.pk).read_at is not None
        assert Notification.objects.get(pk=foreign.pk).read_at is None


def test_an_open_link_never_leaves_the_site(tenant: Any, client_of: Any, test_event: Any) -> None:
    client, rep = client_of(tenant, Role.FIELD_SALES_REP)
    with tenant_scope(tenant):
        note = notifications.notify(
            user=rep.user, event="test.happened", key="x", title="X", url="https://evil.example/"
        )
    response = client.post(f"/t/durand/notifications/{note.pk}/read/", {"open": "1"})
    assert response["Location"] == "/t/durand/notifications/"


def test_the_badge_counts_unread_in_one_query(
    tenant: Any, client_of: Any, test_event: Any, django_assert_max_num_queries: Any
) -> None:
    client, rep = client_of(tenant, Role.FIELD_SALES_REP)
    with tenant_scope(tenant):
        for index in range(3):
            notifications.notify(user=rep.user, event="test.happened", key=f"b{index}", title="B")
    with django_assert_max_num_queries(30) as captured:
        page = client.get("/t/durand/")
    counting = [query for query in captured.captured_queries if "crm_notification" in query["sql"]]
    assert len(counting) == 1
    assert '<span class="badge badge--danger">3' in page.content.decode()


def test_no_badge_and_no_query_for_anonymous_pages(db: None, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(0):
        page = Client().get("/login/")
    assert page.status_code in (200, 302)
    assert "notification-badge" not in page.content.decode()


def test_preferences_page_saves_a_channel_per_event(tenant: Any, client_of: Any) -> None:
    client, rep = client_of(tenant, Role.FIELD_SALES_REP)
    page = client.get("/t/durand/notifications/preferences/")
    assert page.status_code == 200
    kinds = [kind.name for kind in events.event_kinds()]
    assert {"task.assigned", "task.reminder", "lead.assigned", "opportunity.close_date_passed"} <= set(kinds)
    # an event without a label lets other apps react; nobody chooses how to be told of it
    assert events.event_kind("lead.first_contacted") is not None
    assert "lead.first_contacted" not in kinds
    assert "event_lead__first_contacted" not in page.content.decode()
    data = {f"event_{name.replace('.', '__')}": "app" for name in kinds} | {"event_task__reminder": "none"}
    saved = client.post("/t/durand/notifications/preferences/", data)
    assert saved.status_code == 302
    bad = client.post("/t/durand/notifications/preferences/", data | {"event_task__reminder": "pigeon"})
    assert bad.status_code == 400
    with tenant_scope(tenant):
        assert notifications.channel_for(rep.user, "task.reminder") == "none"
        assert notifications.channel_for(rep.user, "lead.assigned") == "app"


def test_another_tenant_s_centre_is_a_404(tenant: Any, other_tenant: Any, client_of: Any) -> None:
    client, _rep = client_of(tenant, Role.FIELD_SALES_REP)
    assert client.get("/t/martin/notifications/").status_code == 404


def test_only_site_paths_and_web_addresses_are_kept_as_links(
    tenant: Any, member: Any, test_event: Any
) -> None:
    rep = member(tenant, Role.FIELD_SALES_REP)
    with tenant_scope(tenant):
        for index, url in enumerate(("javascript:alert(1)", "//evil.example/", "/t/durand/tasks/")):
            notifications.notify(user=rep.user, event="test.happened", key=f"u{index}", title="U", url=url)
        assert list(Notification.objects.order_by("key").values_list("url", flat=True)) == [
            "",
            "",
            "/t/durand/tasks/",
        ]
