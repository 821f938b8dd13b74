"""Active content is stripped from uploaded PDFs: scripts, automatic and outgoing actions, files."""

import io

import pikepdf
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pikepdf import Array, Dictionary, Name, String

from portfolio.models import EvidenceItem
from portfolio.pdfs import strip_active_content
from portfolio.storage import private_storage

SCRIPT = "app.alert('owned')"
ACTIVE_KEYS = {"/OpenAction", "/AA", "/JS", "/JavaScript", "/EmbeddedFiles", "/EF", "/XFA"}
ACTIVE_ACTIONS = {"/JavaScript", "/Launch", "/ImportData", "/SubmitForm", "/GoToE"}


def _save(pdf, **options):
    buffer = io.BytesIO()
    pdf.save(buffer, **options)
    return buffer.getvalue()


def hostile_pdf():
    """One page carrying every kind of active content a viewer might run, and a web link."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 200))
    page = pdf.pages[0].obj
    js = lambda: Dictionary(S=Name.JavaScript, JS=String(SCRIPT))  # noqa: E731
    # Runs on opening, and on document events.
    pdf.Root.OpenAction = pdf.make_indirect(js())
    pdf.Root.AA = Dictionary(WC=js())
    # Document-level scripts in the name tree, one of them kept in a stream.
    stream_script = pdf.make_stream(SCRIPT.encode())
    pdf.Root.Names = Dictionary(
        JavaScript=Dictionary(
            Names=Array(
                [
                    String("a"),
                    js(),
                    String("b"),
                    Dictionary(S=Name.JavaScript, JS=stream_script),
                ]
            )
        )
    )
    # Page open/close actions.
    page.AA = Dictionary(O=js(), C=js())
    launch = Dictionary(S=Name.Launch, F=String("calc.exe"))
    web = Dictionary(S=Name.URI, URI=String("https://example.org/portfolio"))
    # A form field that starts a program when clicked and runs a script on focus.
    widget = pdf.make_indirect(
        Dictionary(
            Type=Name.Annot,
            Subtype=Name.Widget,
            FT=Name.Btn,
            T=String("go"),
            Rect=[30, 0, 40, 10],
            A=launch,
            AA=Dictionary(Fo=js()),
        )
    )
    page.Annots = Array(
        [
            # A link that starts a program, then chains a script.
            Dictionary(
                Type=Name.Annot,
                Subtype=Name.Link,
                Rect=[0, 0, 10, 10],
                A=Dictionary(S=Name.Launch, F=String("calc.exe"), Next=js()),
            ),
            Dictionary(Type=Name.Annot, Subtype=Name.Link, Rect=[10, 0, 20, 10], A=web),
            Dictionary(
                Type=Name.Annot,
                Subtype=Name.FileAttachment,
                Rect=[20, 0, 30, 10],
                FS=Dictionary(
                    Type=Name.Filespec,
                    F=String("tool.exe"),
                    EF=Dictionary(F=pdf.make_stream(b"MZ embedded program")),
                ),
            ),
            widget,
        ]
    )
    pdf.Root.AcroForm = Dictionary(Fields=Array([widget]))
    pdf.attachments["notes.exe"] = pikepdf.AttachedFileSpec(pdf, b"MZ attached program")
    return _save(pdf)


def active_content(data):
    """Every active key or action left anywhere in the file, and any stream holding a script."""
    found = []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for obj in pdf.objects:
            dictionary = obj.stream_dict if isinstance(obj, pikepdf.Stream) else obj
            if isinstance(obj, pikepdf.Stream) and SCRIPT.encode() in obj.read_bytes():
                found.append("script stream")
            if isinstance(obj, pikepdf.Stream) and obj.read_bytes().startswith(b"MZ"):
                found.append("embedded program")
            found.extend(_active_in(dictionary))
        found.extend(_active_in(pdf.trailer))
        if len(pdf.attachments):
            found.append("attachments")
    return found


def _active_in(value, depth=0):
    found = []
    if depth > 20:
        return found
    if isinstance(value, pikepdf.Dictionary):
        found.extend(key for key in value.keys() if key in ACTIVE_KEYS)  # noqa: SIM118
        if str(value.get("/S", "")) in ACTIVE_ACTIONS:
            found.append(str(value["/S"]))
        for key in value.keys():  # noqa: SIM118
            child = value[key]
            if not getattr(child, "is_indirect", True):
                found.extend(_active_in(child, depth + 1))
    elif isinstance(value, pikepdf.Array):
        for child in value:
            if not getattr(child, "is_indirect", True):
                found.extend(_active_in(child, depth + 1))
    return found


def test_the_hostile_pdf_really_carries_all_of_it():
    found = active_content(hostile_pdf())

    assert {"/OpenAction", "/AA", "/JS", "/JavaScript", "/EmbeddedFiles", "/EF"} <= set(found)
    assert {"/Launch", "script stream", "embedded program", "attachments"} <= set(found)


def test_scripts_actions_and_embedded_files_are_all_removed():
    cleaned = strip_active_content(hostile_pdf())

    assert active_content(cleaned) == []
    with pikepdf.open(io.BytesIO(cleaned)) as pdf:
        assert len(pdf.pages) == 1
        annotations = pdf.pages[0].obj.Annots
        # The web link stays; the attachment annotation goes; the program-launching link
        # and widget stay as shapes without their action.
        subtypes = [str(annotation.Subtype) for annotation in annotations]
        assert subtypes == ["/Link", "/Link", "/Widget"]
        assert str(annotations[1].A.URI) == "https://example.org/portfolio"
        assert "/A" not in annotations[0]
        assert "/A" not in annotations[2]


def test_the_same_upload_always_gives_the_same_bytes():
    data = hostile_pdf()

    assert strip_active_content(data) == strip_active_content(data)


def test_a_pdf_without_active_content_keeps_its_pages_and_text():
    pdf = pikepdf.new()
    for _ in range(3):
        pdf.add_blank_page(page_size=(300, 400))
    pdf.docinfo["/Title"] = "Capstone report"

    cleaned = strip_active_content(_save(pdf))

    with pikepdf.open(io.BytesIO(cleaned)) as result:
        assert len(result.pages) == 3
        assert str(result.docinfo["/Title"]) == "Capstone report"
        assert not result.is_encrypted


def test_a_pdf_that_needs_a_password_is_refused_with_a_way_out():
    pdf = pikepdf.new()
    pdf.add_blank_page()
    locked = _save(pdf, encryption=pikepdf.Encryption(user="secret", owner="secret"))

    with pytest.raises(ValidationError) as refused:
        strip_active_content(locked)

    assert refused.value.messages == [
        "This PDF needs a password to open. Save a copy without a password and upload that."
    ]


def test_an_owner_password_only_pdf_is_accepted_and_stored_unencrypted():
    pdf = pikepdf.new()
    pdf.add_blank_page()
    restricted = _save(pdf, encryption=pikepdf.Encryption(user="", owner="owner-only"))

    cleaned = strip_active_content(restricted)

    with pikepdf.open(io.BytesIO(cleaned)) as result:
        assert not result.is_encrypted
        assert len(result.pages) == 1


def test_a_pdf_damaged_beyond_repair_is_refused():
    with pytest.raises(ValidationError) as refused:
        strip_active_content(b"%PDF-1.7\n" + b"\x00garbage" * 50 + b"\n%%EOF\n")

    assert refused.value.messages == ["This PDF is damaged and cannot be read."]


@pytest.mark.django_db
def test_an_uploaded_pdf_is_stored_and_served_without_its_scripts(client, learner):
    client.force_login(learner)

    response = client.post(
        reverse("portfolio:evidence-create", args=["file"]),
        {
            "title": "Report with a surprise",
            "upload": SimpleUploadedFile("report.pdf", hostile_pdf(), "application/pdf"),
        },
    )

    item = EvidenceItem.objects.get()
    assert response.status_code == 302
    assert item.content_type == "application/pdf"
    with private_storage().open(item.file.name, "rb") as stored:
        assert active_content(stored.read()) == []
    served = client.get(reverse("portfolio:evidence-file", args=[item.pk]))
    body = b"".join(served.streaming_content)
    assert served.headers["Content-Type"] == "application/pdf"
    assert active_content(body) == []
    assert item.file_size == len(body)
    # Whatever a viewer does with it, the response itself allows no script to run.
    assert "default-src 'none'" in served.headers["Content-Security-Policy"]
    assert "script-src" not in served.headers["Content-Security-Policy"]
