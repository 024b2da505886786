"""The invoice and the shipping label PDFs."""

from __future__ import annotations

import io
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pypdf import PdfReader

from commercy.auth import service as auth_service
from commercy.core.database import WriteSession
from commercy.orders import documents
from commercy.orders import service as orders_service
from commercy.orders.models import Order
from tests.factories import Shop, make_order


def text_of(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def fonts_of(content: bytes) -> set[str]:
    """The names of the fonts the PDF embeds, without their subset's ``ABCDEF+`` prefix."""
    return {name.decode() for name in re.findall(rb"/BaseFont /[A-Z]{6}\+(\S+)", content)}


async def test_invoice_pdf_lists_the_order_items_and_total(
    client: httpx.AsyncClient, shop: Shop, session: WriteSession
) -> None:
    order = await make_order(
        session,
        world=shop.world,
        products=[shop.product, shop.other_product],
        customerName="Amira Ben Salah",
        shippingOption="paid",
        shippingCost=7,
    )

    response = await client.get(f"/api/v1/orders/{order.id}/invoice.pdf", headers=shop.agent)

    assert response.headers["content-type"] == "application/pdf"
    text = text_of(response.content)
    for expected in (
        order.order_number,
        "Amira Ben Salah",
        shop.product.name,
        "60.000 TND",
        "7.000 TND",
        "67.000 TND",
        "Cash on delivery",
    ):
        assert expected in text, expected


def bars_of(content: bytes) -> list[tuple[float, float]]:
    """The filled rectangles (x, width) of the label's barcode, left to right."""
    page = PdfReader(io.BytesIO(content)).pages[0]
    operations = page.get_contents().operations  # type: ignore[union-attr]
    bars = [
        (float(operands[0]), float(operands[2]))
        for operands, operator in operations
        if operator == b"re" and abs(float(operands[3])) > 30  # the barcode's tall bars
    ]
    return sorted(bars)


CODE39 = {  # the standard Code 39 table: n/w for bar, space, bar, ... (9 elements)
    "0": "nnnwwnwnn",
    "1": "wnnwnnnnw",
    "2": "nnwwnnnnw",
    "3": "wnwwnnnnn",
    "4": "nnnwwnnnw",
    "5": "wnnwwnnnn",
    "6": "nnwwwnnnn",
    "7": "nnnwnnwnw",
    "8": "wnnwnnwnn",
    "9": "nnwwnnwnn",
    "D": "nnnnwwnnw",
    "O": "wnnnwnnwn",
    "R": "wnnnnnwwn",
    "-": "nwnnnnwnw",
    "*": "nwnnwnwnn",
}


def decode_code39(bars: list[tuple[float, float]]) -> str:
    narrow = min(width for _, width in bars)
    elements = []
    for index, (x, width) in enumerate(bars):
        elements.append("w" if width > 2 * narrow else "n")
        if index + 1 < len(bars):
            gap = bars[index + 1][0] - (x + width)
            elements.append("w" if gap > 2 * narrow else "n")
    by_pattern = {pattern: char for char, pattern in CODE39.items()}
    # Each character is 9 elements, then a narrow gap before the next one.
    return "".join(
        by_pattern[("".join(elements) + "n")[i : i + 9]] for i in range(0, len(elements), 10)
    )


async def test_label_carries_the_order_number_as_a_code39_barcode(
    client: httpx.AsyncClient, shop: Shop, session: WriteSession
) -> None:
    order = await make_order(
        session,
        world=shop.world,
        products=[shop.product],
        customerAddress="12 avenue Habib Bourguiba",
        customerCity="Sousse",
    )

    response = await client.get(
        f"/api/v1/orders/{order.order_number}/label.pdf", headers=shop.agent
    )

    assert response.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 1
    assert decode_code39(bars_of(response.content)) == f"*{order.order_number}*"
    text = text_of(response.content)
    assert "12 avenue Habib Bourguiba" in text and "Cash to collect: 30.000 TND" in text


async def _order_with_arabic_note(shop: Shop, session: WriteSession) -> Order:
    created = await make_order(
        session,
        world=shop.world,
        products=[shop.product],
        customerName="Zoé Ben Salah",
        notes="الطابق الثاني",
    )
    admin = await auth_service.get_active_actor(session, shop.world.admin.id)
    assert admin is not None
    return await orders_service.get_order(session, actor=admin, reference=str(created.id))


async def test_invoice_pdf_renders_accents_and_arabic_in_reading_order(
    shop: Shop, session: WriteSession
) -> None:
    order = await _order_with_arabic_note(shop, session)

    text = text_of(documents.invoice_pdf(order))
    assert "Zoé Ben Salah" in text
    assert "الطابق الثاني" in text


@pytest.fixture
def unwritable_font_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    documents._font_files.cache_clear()
    yield
    documents._font_files.cache_clear()


@pytest.mark.usefixtures("unwritable_font_cache")
async def test_invoice_pdf_is_still_made_when_the_font_cache_cannot_be_written(
    shop: Shop, session: WriteSession, caplog: pytest.LogCaptureFixture
) -> None:
    order = await _order_with_arabic_note(shop, session)

    text = text_of(documents.invoice_pdf(order))
    assert "الطابق الثاني" in text
    assert "PDF fonts used whole" in caplog.text


# name, address, the font drawing them, and what text extraction reads back: pypdf reads a
# right-to-left line of Hebrew in visual order (its words in reverse), each word as written.
SCRIPTS = {
    "hebrew": (
        "דוד כהן",
        "רחוב הרצל 5 תל אביב",
        "NotoSansHebrew",
        ["דוד", "כהן", "רחוב", "הרצל", "תל", "אביב"],
    ),
    "chinese": ("王小明", "北京市朝阳区", "DroidSansFallback", ["王小明", "北京市朝阳区"]),
    "japanese": (
        "山田花子",
        "東京都渋谷区さくら通り",
        "DroidSansFallback",
        ["山田花子", "東京都渋谷区さくら通り"],
    ),
    "korean": ("김민수", "서울특별시 강남구", "DroidSansFallback", ["김민수", "서울특별시 강남구"]),
    # क्ष and त्र are conjuncts: HarfBuzz must shape them from Noto's tables.
    "devanagari": (
        "राजेश कुमार",
        "क्षेत्र 5, मुंबई",
        "NotoSansDevanagari",
        ["राजेश कुमार", "क्षेत्र 5, मुंबई"],
    ),
    "arabic": (
        "زينب بن صالح",
        "شارع الحبيب بورقيبة",
        "DejaVuSansBook",
        ["زينب بن صالح", "شارع الحبيب بورقيبة"],
    ),
    "latin": (
        "Zoé Çelik-Ødegård",
        "Straße 5, Łódź",
        "DejaVuSansBook",
        ["Zoé Çelik-Ødegård", "Straße 5, Łódź"],
    ),
}


@pytest.mark.parametrize("script", SCRIPTS)
async def test_invoice_and_label_print_the_customer_in_their_own_script(
    client: httpx.AsyncClient, shop: Shop, session: WriteSession, script: str
) -> None:
    name, address, font, readings = SCRIPTS[script]
    order = await make_order(
        session,
        world=shop.world,
        products=[shop.product],
        customerName=name,
        customerAddress=address,
        customerCity="Sousse",
    )

    for document in (f"{order.id}/invoice.pdf", f"{order.order_number}/label.pdf"):
        response = await client.get(f"/api/v1/orders/{document}", headers=shop.agent)

        assert response.status_code == 200, document
        assert font in fonts_of(response.content), document
        text = text_of(response.content)
        # The phone follows the name in the same font and size: drawn in the body font again.
        for expected in (*readings, order.customer_phone, "Sousse"):
            assert expected in text, (document, expected)
        assert "\ufffd" not in text, document


NAZAR = "\U0001f9ff"  # the nazar amulet emoji: no font installed here draws it (checked below)


@pytest.fixture
def nothing_reported_yet(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(documents, "_reported_missing", set())


@pytest.mark.usefixtures("nothing_reported_yet")
async def test_a_character_no_font_draws_prints_as_a_replacement_logged_once(
    client: httpx.AsyncClient, shop: Shop, session: WriteSession, caplog: pytest.LogCaptureFixture
) -> None:
    faces = (*documents._FALLBACKS, *documents._noto_sweep())
    fonts = [documents._first_loaded(face.regular) for face in faces]
    assert not any(font is not None and ord(NAZAR) in font.unicodes for font in fonts)
    order = await make_order(
        session,
        world=shop.world,
        products=[shop.product],
        customerName=f"Amira {NAZAR} Ben Salah",
        customerAddress="דוד 5",
    )

    for document in (f"{order.id}/invoice.pdf", f"{order.order_number}/label.pdf"):
        response = await client.get(f"/api/v1/orders/{document}", headers=shop.agent)

        text = text_of(response.content)
        assert "Amira \ufffd Ben Salah" in text, document
        assert "דוד" in text, document
    reports = [record for record in caplog.records if "U+1F9FF" in record.getMessage()]
    assert len(reports) == 1


def files_in(directory: Path) -> list[Path]:
    return list(directory.iterdir())


async def test_the_fonts_cut_for_a_document_are_removed_once_it_is_written(
    shop: Shop, session: WriteSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    created = await make_order(
        session, world=shop.world, products=[shop.product], customerName="王小明"
    )
    admin = await auth_service.get_active_actor(session, shop.world.admin.id)
    assert admin is not None
    order = await orders_service.get_order(session, actor=admin, reference=str(created.id))

    assert "DroidSansFallback" in fonts_of(documents.label_pdf(order))
    assert files_in(tmp_path) == []
