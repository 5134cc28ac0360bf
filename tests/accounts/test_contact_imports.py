"""Contact imports: the same pipeline as accounts (job, batches, rejected rows), with the contact's own
fields, its account found by SIRET or name among the accounts the author may see, the e-mail as the
key, the contact services' rules (E.164 phones, e-mail, duplicates, rights), and the pages."""

from __future__ import annotations

import csv
import hashlib
import io
import string

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from openpyxl import Workbook

from accounts.imports import services
from accounts.imports.models import ImportJob, ImportMapping
from accounts.models import Account, Contact
from crm.roles import Role
from crm.tenancy import tenant_scope
from tests.accounts.factories import AccountFactory, ContactFactory, valid_siret

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
SIRET = valid_siret(11)


@pytest.fixture
def admin(tenant, member):
    return member(tenant, Role.TENANT_ADMIN)


@pytest.fixture
def account(tenant, admin) -> Account:
    with tenant_scope(tenant):
        return AccountFactory(legal_name="Durand Énergie", siret=SIRET, siren=SIRET[:9], owner=admin.user)


def create_job(
    tenant, membership, content: bytes, filename: str = "contacts.csv", language="en"
) -> ImportJob:
    with tenant_scope(tenant), translation.override(language):
        return services.import_create(
            tenant=tenant, actor=membership.user, filename=filename, content=content, kind="contacts"
        )


def set_mode(tenant, job: ImportJob, mode: str) -> ImportJob:
    with tenant_scope(tenant), translation.override("en"):
        return services.import_set_mapping(job=job, mapping=job.mapping, mode=mode)


def dry_run(tenant, job: ImportJob) -> services.DryRunReport:
    with tenant_scope(tenant), translation.override("en"):
        return services.import_dry_run(job=job)


def run(tenant, job: ImportJob) -> ImportJob:
    """Check then run, as the pages and the task do."""
    dry_run(tenant, job)
    return services.import_run(job=job)


def contacts_of(tenant) -> dict[str, Contact]:
    with tenant_scope(tenant):
        return {contact.email: contact for contact in Contact.objects.select_related("account", "owner")}


def reasons_of(job: ImportJob) -> dict[int, str]:
    return {reject["row"]: reject["reason"] for reject in job.rejects}


# The files people send ----------------------------------------------------------------------------


def test_french_headers_are_suggested_for_contact_fields(tenant, admin) -> None:
    content = (
        "Civilité;Prénom;Nom;Fonction;Service;Téléphone;Téléphone portable;E-mail;Langue;"
        "Statut;SIRET;Société;Notes\n"
        "M.;Jean;Dupont;Directeur;Achats;01 42 68 53 00;06 12 34 56 78;j@d.fr;fr;Client;1;Durand;x\n"
    ).encode()
    english = "First name,Last name,Job title,Email,Mobile,Company\nAnne,Smith,CEO,a@s.com,07700900123,Acme\n"

    job = create_job(tenant, admin, content)
    english_job = create_job(tenant, admin, english.encode())

    assert job.mapping == {
        "0": "salutation", "1": "first_name", "2": "last_name", "3": "job_title", "4": "department",
        "5": "phone", "6": "mobile", "7": "email", "8": "language", "9": "relationship_status",
        "10": "account_siret", "11": "account_name",
    }  # fmt: skip
    assert english_job.mapping == {
        "0": "first_name",
        "1": "last_name",
        "2": "job_title",
        "3": "email",
        "4": "mobile",
        "5": "account_name",
    }
    assert (job.kind, job.key_field, job.mode) == (ImportJob.Kind.CONTACTS, "email", ImportJob.Mode.CREATE)


def test_windows_1252_semicolons_and_a_french_header(tenant, admin, account) -> None:
    content = (
        "Civilité;Prénom;Nom;Fonction;Téléphone;Téléphone portable;E-mail;Langue;SIRET\r\n"
        f"Mme;Hélène;Lefèvre;Responsable achats;01 42 68 53 00;06.12.34.56.78;Helene.Lefevre@Durand.FR;"
        f"Français;{SIRET[:3]} {SIRET[3:6]} {SIRET[6:9]} {SIRET[9:]}\r\n"
    ).encode("cp1252")

    job = run(tenant, create_job(tenant, admin, content))

    assert (job.encoding, job.delimiter, job.status) == ("cp1252", ";", ImportJob.Status.DONE)
    assert (job.created_count, job.rejected_count) == (1, 0)
    contact = contacts_of(tenant)["helene.lefevre@durand.fr"]
    assert (contact.salutation, contact.first_name, contact.last_name, contact.job_title) == (
        Contact.Salutation.MADAME, "Hélène", "Lefèvre", "Responsable achats",
    )  # fmt: skip
    assert (contact.phone, contact.mobile, contact.language) == ("+33142685300", "+33612345678", "fr")
    assert (contact.account, contact.owner, contact.version) == (account, admin.user, 1)
    with tenant_scope(tenant):
        history = contact.history.get()
    assert (history.history_type, history.history_user) == ("+", admin.user)


def test_an_xlsx_workbook_with_a_phone_written_as_a_number(tenant, admin, account) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["First name", "Last name", "Email", "Mobile", "Company", "Do not call"])
    sheet.append(["Paul", "Martin", "paul@martin.fr", 612345678, "durand  énergie", "yes"])
    sheet.append([None, None, None, None, None, None])
    buffer = io.BytesIO()
    workbook.save(buffer)

    job = run(tenant, create_job(tenant, admin, buffer.getvalue(), "contacts.xlsx"))

    assert (job.file_format, job.total_rows, job.created_count, job.rejected_count) == ("xlsx", 1, 1, 0)
    contact = contacts_of(tenant)["paul@martin.fr"]
    assert (contact.mobile, contact.account, contact.do_not_call) == ("+33612345678", account, True)


def test_phones_are_read_with_the_tenants_country_as_the_default_region(tenant, admin, account) -> None:
    tenant.country = "BE"
    tenant.save(update_fields=["country"])
    content = (
        "Prénom;Nom;E-mail;Téléphone;Portable;SIRET\n"
        f"Lies;Peeters;lies@peeters.be;02 555 12 12;+33 6 12 34 56 78;{SIRET}\n"
    )

    job = run(tenant, create_job(tenant, admin, content.encode()))

    assert (job.created_count, job.rejected_count) == (1, 0)
    with tenant_scope(tenant):
        contact = Contact.objects.get()
    assert (contact.phone, contact.mobile) == ("+3225551212", "+33612345678")


# Rejected rows, with their reasons ----------------------------------------------------------------


def test_an_unknown_an_invisible_or_an_ambiguous_account_rejects_the_row(tenant, member) -> None:
    rep = member(tenant, Role.FIELD_SALES_REP)
    colleague = member(tenant, Role.FIELD_SALES_REP)
    hidden_siret = valid_siret(12)
    with tenant_scope(tenant):
        AccountFactory(legal_name="Mine SA", siret=SIRET, siren=SIRET[:9], owner=rep.user)
        AccountFactory(
            legal_name="Hidden SA", siret=hidden_siret, siren=hidden_siret[:9], owner=colleague.user
        )
        AccountFactory(legal_name="Twin SARL", owner=rep.user)
        AccountFactory(legal_name="Twin SARL", owner=rep.user)
    content = (
        "Prénom;Nom;E-mail;SIRET;Société\n"
        f"Anne;Un;un@x.fr;{SIRET};\n"
        f"Anne;Deux;deux@x.fr;{hidden_siret};Mine SA\n"
        "Anne;Trois;trois@x.fr;;Hidden SA\n"
        "Anne;Quatre;quatre@x.fr;;Nowhere Ltd\n"
        "Anne;Cinq;cinq@x.fr;;Twin SARL\n"
        "Anne;Six;six@x.fr;;\n"
        "Anne;Sept;sept@x.fr;123;\n"
        "Anne;Huit;huit@x.fr;;mine sa\n"
    ).encode()

    job = run(tenant, create_job(tenant, rep, content))

    assert (job.created_count, job.rejected_count) == (2, 6)
    assert reasons_of(job) == {
        # The SIRET decides: the name beside it is not tried; an account the author may not see is unknown.
        3: f"No account you may see has the SIRET {hidden_siret}.",
        4: "No account you may see is named \u201cHidden SA\u201d.",
        5: "No account you may see is named \u201cNowhere Ltd\u201d.",
        6: "Several accounts are named \u201cTwin SARL\u201d: give the company's SIRET.",
        7: "The company is required: give its SIRET or its name.",
        8: "Company SIRET: A SIRET has 14 digits; this one has 3.",
    }
    assert sorted(contacts_of(tenant)) == ["huit@x.fr", "un@x.fr"]


def test_a_bad_email_or_phone_rejects_the_row_with_the_field_error_in_the_authors_language(
    tenant, admin, account
) -> None:
    content = (
        "Prénom;Nom;E-mail;Téléphone;SIRET\n"
        f"Anne;Mail;anne@@durand;;{SIRET}\n"
        f"Anne;Phone;anne@durand.fr;12 34;{SIRET}\n"
        f"Anne;Both;pas-un-mail;0000;{SIRET}\n"
    ).encode()

    english = run(tenant, create_job(tenant, admin, content))
    french = create_job(tenant, admin, content, language="fr")
    with tenant_scope(tenant), translation.override("fr"):
        report = services.import_dry_run(job=french)

    assert (english.created_count, english.rejected_count) == (0, 3)
    assert reasons_of(english) == {
        2: "Work email: This email address is not valid: anne@@durand.",
        3: "Direct phone: This phone number is not valid: 12 34.",
        4: "Direct phone: This phone number is not valid: 0000. Work email: This email address is not "
        "valid: pas-un-mail.",
    }
    assert report.errors[0]["reason"].endswith(": Cette adresse e-mail n\u2019est pas valide : anne@@durand.")
    assert not contacts_of(tenant)


def test_duplicates_within_the_file_and_with_existing_contacts_show_in_the_dry_run(
    tenant, admin, account
) -> None:
    with tenant_scope(tenant):
        ContactFactory(account=account, first_name="Marc", last_name="Petit", email="marc@durand.fr")
        ContactFactory(account=account, first_name="Lise", last_name="Roux", phone="+33142685300")
    content = (
        "Prénom;Nom;E-mail;Téléphone;SIRET\n"
        f"Anne;Neuve;anne@durand.fr;;{SIRET}\n"
        f"Annie;Autre;ANNE@durand.fr;;{SIRET}\n"
        f"Marc;Petit-Nouveau;marc@durand.fr;;{SIRET}\n"
        f"Paul;Fixe;paul@durand.fr;01 42 68 53 00;{SIRET}\n"
        f"Lisa;Roux;lisa@durand.fr;;{SIRET}\n"
        f"Jean;Mobile;jean@durand.fr;06 12 34 56 78;{SIRET}\n"
        f"Jeanne;Mobile;jeanne@durand.fr;+33 6 12 34 56 78;{SIRET}\n"
    ).encode()
    job = create_job(tenant, admin, content)

    report = dry_run(tenant, job)

    assert (report.total, report.to_create, report.error_count) == (7, 2, 5)
    assert {error["row"]: error["reason"] for error in report.errors} == {
        3: "This e-mail is already on an earlier row of the file.",
        4: "This looks like a record that already exists. (same e-mail)",
        5: "This looks like a record that already exists. (same phone number)",
        6: "This looks like a record that already exists. (similar name at the same company)",
        8: "This phone number is already on an earlier row of the file.",
    }
    with tenant_scope(tenant):
        assert Contact.objects.count() == 2  # the check writes nothing

    job = services.import_run(job=job)

    assert (job.created_count, job.rejected_count) == (2, 5)
    assert sorted(reasons_of(job)) == [3, 4, 5, 6, 8]


# Modes --------------------------------------------------------------------------------------------


def test_update_mode_matches_on_the_email_and_leaves_unknown_ones_out(tenant, admin, account) -> None:
    other_siret = valid_siret(13)
    with tenant_scope(tenant):
        other = AccountFactory(
            legal_name="Autre SA", siret=other_siret, siren=other_siret[:9], owner=admin.user
        )
        known = ContactFactory(
            account=account,
            first_name="Marc",
            last_name="Petit",
            email="marc@durand.fr",
            job_title="Stagiaire",
        )
    content = (
        "E-mail;Fonction;Portable;SIRET\n"
        f"MARC@durand.fr;Directeur commercial;06 12 34 56 78;{other_siret}\n"
        "inconnu@durand.fr;Directeur;;\n"
        ";Sans e-mail;;\n"
    ).encode()
    job = set_mode(tenant, create_job(tenant, admin, content), ImportJob.Mode.UPDATE)

    report = dry_run(tenant, job)
    job = services.import_run(job=job)

    assert (report.to_update, report.to_skip, report.error_count) == (1, 1, 1)
    assert (job.updated_count, job.skipped_count, job.created_count, job.rejected_count) == (1, 1, 0, 1)
    assert reasons_of(job) == {4: "The e-mail is required to find the contact to update."}
    with tenant_scope(tenant):
        known.refresh_from_db()
        history = known.history.order_by("-history_id").first()
        assert Contact.objects.count() == 1
    assert (known.first_name, known.last_name, known.job_title, known.mobile, known.account_id) == (
        "Marc", "Petit", "Directeur commercial", "+33612345678", other.pk,
    )  # fmt: skip
    assert known.version == 2
    assert history is not None
    assert (history.history_type, history.history_user, history.job_title) == (
        "~", admin.user, "Directeur commercial",
    )  # fmt: skip


def test_create_or_update_creates_the_new_ones_and_updates_the_known_ones(tenant, admin, account) -> None:
    with tenant_scope(tenant):
        ContactFactory(account=account, first_name="Marc", last_name="Petit", email="marc@durand.fr")
    content = f"Prénom;Nom;E-mail;SIRET\nMarc;Petit;marc@durand.fr;{SIRET}\nZoé;Blanc;zoe@durand.fr;{SIRET}\n"
    job = set_mode(tenant, create_job(tenant, admin, content.encode()), ImportJob.Mode.CREATE_OR_UPDATE)

    job = run(tenant, job)

    assert (job.created_count, job.updated_count, job.rejected_count) == (1, 1, 0)
    assert sorted(contacts_of(tenant)) == ["marc@durand.fr", "zoe@durand.fr"]


def test_a_contact_the_role_may_not_change_is_rejected(tenant, member) -> None:
    rep = member(tenant, Role.FIELD_SALES_REP)
    colleague = member(tenant, Role.FIELD_SALES_REP)
    with tenant_scope(tenant):
        mine = AccountFactory(legal_name="Mine SA", owner=rep.user)
        theirs = ContactFactory(account=mine, owner=colleague.user, last_name="Autre", email="x@mine.fr")
    job = set_mode(
        tenant, create_job(tenant, rep, b"E-mail;Fonction\nx@mine.fr;PDG\n"), ImportJob.Mode.UPDATE
    )

    job = run(tenant, job)

    assert (job.updated_count, job.rejected_count) == (0, 1)
    assert reasons_of(job) == {2: "Your role may not change this existing contact."}
    with tenant_scope(tenant):
        theirs.refresh_from_db()
    assert (theirs.job_title, theirs.version) == ("", 1)


@pytest.mark.parametrize(
    ("mode", "header", "message"),
    [
        (
            "create",
            "E-mail;SIRET",
            "Map a column to the first name and one to the last name: every new contact needs both.",
        ),
        (
            "create",
            "Prénom;Nom;E-mail",
            "Map a column to the company's SIRET or name: every new contact belongs to an account.",
        ),
        ("update", "Prénom;Nom", "Map a column to the e-mail: existing contacts are found by their e-mail."),
    ],
)
def test_a_mapping_the_mode_cannot_work_with_is_refused(
    tenant, admin, mode: str, header: str, message: str
) -> None:
    job = create_job(tenant, admin, f"{header}\n{';'.join('x' for _ in header.split(';'))}\n".encode())

    with pytest.raises(ValidationError) as refusal:
        set_mode(tenant, job, mode)

    assert refusal.value.messages == [message]


# The report ---------------------------------------------------------------------------------------


def test_the_rejected_rows_download_as_a_csv_with_their_reasons(tenant, admin, account) -> None:
    content = (
        "Prénom;Nom;E-mail;SIRET\n"
        f"Anne;Bonne;anne@durand.fr;{SIRET}\n"
        f"Anne;Mauvaise;@nope;{SIRET}\n"
        "=HYPERLINK();Formule;f@durand.fr;\n"
    ).encode()
    job = run(tenant, create_job(tenant, admin, content, "équipe.csv"))
    client = Client()
    client.force_login(admin.user)

    response = client.get(f"/t/durand/imports/{job.pk}/rejects.csv", **ENGLISH)

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="équipe-rejects.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows == [
        ["Prénom", "Nom", "E-mail", "SIRET", "Line", "Reason"],
        ["Anne", "Mauvaise", "'@nope", SIRET, "3", "Work email: This email address is not valid: @nope."],
        [
            "'=HYPERLINK()",
            "Formule",
            "f@durand.fr",
            "",
            "4",
            "The company is required: give its SIRET or its name.",
        ],
    ]


# Scale --------------------------------------------------------------------------------------------


def name_of(n: int) -> str:
    """A made-up name per number, unlike the others: no two rows look like likely duplicates."""
    digest = hashlib.sha256(str(n).encode()).digest()
    return "".join(string.ascii_lowercase[byte % 26] for byte in digest[:8]).capitalize()


def test_the_query_count_of_a_batch_does_not_grow_with_its_rows(tenant, admin) -> None:
    def queries_for(count: int, seed: int) -> int:
        siret = valid_siret(seed)
        with tenant_scope(tenant):
            account = AccountFactory(siret=siret, siren=siret[:9], owner=admin.user)
            for n in range(seed, seed + count, 2):  # every other row updates a contact already there
                ContactFactory(account=account, first_name="X", last_name=name_of(-n), email=f"c{n}@d.fr")
        lines = ["Prénom;Nom;E-mail;Téléphone;SIRET"]
        lines += [
            f"{name_of(n)};{name_of(n + 1)};c{n}@d.fr;01 42 {n // 100 % 100:02d} {n % 100:02d} 11;{siret}"
            for n in range(seed, seed + count)
        ]
        job = create_job(tenant, admin, "\n".join(lines).encode())
        job = set_mode(tenant, job, ImportJob.Mode.CREATE_OR_UPDATE)
        with CaptureQueriesContext(connection) as captured:
            job = services.import_run(job=job)
        assert (job.created_count, job.updated_count, job.rejected_count) == (count // 2, count // 2, 0)
        return len(captured)

    assert queries_for(10, seed=1_000) == queries_for(300, seed=2_000)


@pytest.mark.slow
def test_a_100000_row_contact_file_imports_whole(tenant, admin) -> None:
    # One test at scale: no row cap. 1,000 accounts of 100 contacts (the likely-duplicates rule
    # compares each new contact's name with those already at its company), plain rows without phones
    # to keep it quick; throughput is measured outside the suite.
    with tenant_scope(tenant):
        accounts = Account.objects.bulk_create(
            Account(tenant=tenant, legal_name=f"Compte {n}", siret=valid_siret(n), siren=valid_siret(n)[:9],
                    owner=admin.user)
            for n in range(1_000)
        )  # fmt: skip
    lines = ["Prénom;Nom;E-mail;SIRET"]
    lines += [f"{name_of(n)};{name_of(-n)};c{n}@d.fr;{valid_siret(n % 1_000)}" for n in range(100_000)]
    lines[50_001] = f"Anne;Cassée;pas-un-mail;{valid_siret(0)}"
    job = create_job(tenant, admin, "\n".join(lines).encode())

    job = services.import_run(job=job)

    assert (job.status, job.total_rows, job.processed_rows) == (ImportJob.Status.DONE, 100_000, 100_000)
    assert (job.created_count, job.rejected_count) == (99_999, 1)
    assert reasons_of(job) == {50_002: "Work email: This email address is not valid: pas-un-mail."}
    with tenant_scope(tenant):
        assert Contact.objects.count() == 99_999
        assert Contact.history.count() == 99_999
        last = Contact.objects.get(email="c99999@d.fr")
    assert (last.first_name, last.account_id, last.owner_id) == (
        name_of(99_999),
        accounts[999].pk,
        admin.user_id,
    )


# Saved mappings -----------------------------------------------------------------------------------


def test_a_checked_mapping_is_saved_for_the_next_file_of_the_same_kind_only(tenant, admin, member) -> None:
    colleague = member(tenant, Role.SALES_DIRECTOR)
    header = "Nom;Prénom;Courriel pro;SIRET\n"
    job = create_job(tenant, admin, f"{header}Petit;Marc;m@d.fr;{SIRET}\n".encode())
    assert "2" not in job.mapping  # "Courriel pro" is not a known header
    with tenant_scope(tenant):
        services.import_set_mapping(
            job=job,
            mapping={**job.mapping, "2": "email"},
            mode=ImportJob.Mode.CREATE_OR_UPDATE,
            actor=admin.user,
        )

    again = create_job(tenant, colleague, f"{header}Roux;Lise;l@d.fr;{SIRET}\n".encode())
    with tenant_scope(tenant), translation.override("en"):
        as_accounts = services.import_create(
            tenant=tenant,
            actor=admin.user,
            filename="a.csv",
            content=header.encode() + b"X;Y;Z;1\n",
            kind="accounts",
        )

    assert again.mapping == {"0": "last_name", "1": "first_name", "2": "email", "3": "account_siret"}
    assert again.mode == ImportJob.Mode.CREATE_OR_UPDATE
    assert as_accounts.mapping == {"0": "legal_name", "3": "siret"}  # the contacts' mapping is not reused
    with tenant_scope(tenant):
        saved = ImportMapping.objects.get()
    assert (saved.kind, saved.updated_by) == (ImportJob.Kind.CONTACTS, admin.user)


# The pages ----------------------------------------------------------------------------------------


def test_upload_map_and_check_a_contact_file_through_the_pages(tenant, admin, account) -> None:
    client = Client()
    client.force_login(admin.user)
    upload = SimpleUploadedFile(
        "contacts.csv", f"Prénom;Nom;E-mail;SIRET\nAnne;Neuve;a@d.fr;{SIRET}\n".encode()
    )

    form_page = client.get("/t/durand/imports/new/?kind=contacts", **ENGLISH)
    response = client.post("/t/durand/imports/new/", {"kind": "contacts", "file": upload}, **ENGLISH)

    assert form_page.context["form"]["kind"].value() == "contacts"
    assert "by its SIRET when the row gives one" in form_page.content.decode()
    with tenant_scope(tenant):
        job = ImportJob.objects.get()
    assert (response.status_code, job.kind) == (302, ImportJob.Kind.CONTACTS)
    page = client.get(f"/t/durand/imports/{job.pk}/mapping/", **ENGLISH)
    assert page.context["form"]["column_3"].value() == "account_siret"
    assert dict(page.context["form"].fields["mode"].choices) == {
        "create": "Create new contacts only",
        "update": "Update existing contacts only (matched on the e-mail)",
        "create_or_update": "Create or update contacts (matched on the e-mail)",
    }
    response = client.post(
        f"/t/durand/imports/{job.pk}/mapping/",
        {"column_0": "first_name", "column_1": "last_name", "column_2": "email", "column_3": "account_siret",
         "mode": "create"},
        **ENGLISH,
    )  # fmt: skip
    assert (response.context["report"].to_create, response.context["report"].error_count) == (1, 0)
    assert "Contacts to create" in response.content.decode()


def test_a_role_that_may_not_add_contacts_may_not_upload_contacts(tenant, member) -> None:
    finance = member(tenant, Role.FINANCE)
    client = Client()
    client.force_login(finance.user)

    response = client.post(
        "/t/durand/imports/new/",
        {"kind": "contacts", "file": SimpleUploadedFile("c.csv", b"Nom;Prenom\nA;B\n")},
    )

    assert response.status_code == 403
    with tenant_scope(tenant):
        assert not ImportJob.objects.exists()
