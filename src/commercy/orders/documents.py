"""The order's PDFs: the invoice the customer receives, and the parcel's shipping label."""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import tempfile
from decimal import Decimal
from pathlib import Path

import fontTools
from fontTools import subset
from fontTools.ttLib import TTFont
from fpdf import FPDF
from sqlalchemy import inspect

from commercy.core.responses import iso_timestamp
from commercy.orders.models import Order

# A Unicode font when the system has one (Arabic and accented names); else the PDF core font,
# with characters it cannot draw replaced.
_FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
# The scripts a customer's name and address are written in here: Latin with its accents, Arabic
# (with its presentation forms), Greek and Cyrillic, punctuation and currency signs.
_SCRIPTS = (
    (0x0020, 0x007E),
    (0x00A0, 0x024F),
    (0x0370, 0x04FF),
    (0x0600, 0x06FF),
    (0x2000, 0x206F),
    (0x20A0, 0x20CF),
    (0x2100, 0x214F),
    (0xFB50, 0xFDFF),
    (0xFE70, 0xFEFF),
)
logger = logging.getLogger(__name__)


@functools.cache
def _font_files() -> tuple[Path, Path] | None:
    """The regular and bold fonts, cut down to :data:`_SCRIPTS` once per machine (the ``:2`` in
    the cache key is the subsetting's own version: bump it when the options change).

    fpdf2 parses its fonts for every document: DejaVu Sans whole (6,000 glyphs) made each
    invoice cost ~100 ms of CPU in the outbox worker; its 1,800 glyphs for these scripts, ~40 ms.
    """
    for directory in _FONT_DIRS:
        regular, bold = directory / "DejaVuSans.ttf", directory / "DejaVuSans-Bold.ttf"
        if regular.exists() and bold.exists():
            try:
                return _script_subset(regular), _script_subset(bold)
            except Exception:  # a speed-up must never cost an invoice: the whole fonts, slower
                logger.warning("PDF fonts used whole: cannot cut them down", exc_info=True)
                return regular, bold
    return None


def _script_subset(font_file: Path) -> Path:
    source = font_file.stat()
    key = f"{font_file}:{source.st_size}:{source.st_mtime_ns}:{_SCRIPTS}:{fontTools.version}:2"
    cached = (
        _font_cache_dir() / f"{font_file.stem}-{hashlib.sha256(key.encode()).hexdigest()[:16]}.ttf"
    )
    if not cached.exists():
        cached.parent.mkdir(parents=True, exist_ok=True)
        options = subset.Options()
        options.layout_features = ["*"]  # Arabic letters join through the shaping tables
        options.notdef_outline = True
        options.drop_tables += ["FFTM"]  # FontForge's timestamps, which fontTools cannot cut
        font = TTFont(font_file)
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=[c for low, high in _SCRIPTS for c in range(low, high + 1)])
        subsetter.subset(font)
        # Several processes, or two invoices rendered in threads at once, may get here together:
        # each writes a file of its own, and the rename is atomic.
        descriptor, partial = tempfile.mkstemp(dir=cached.parent, suffix=".partial")
        with os.fdopen(descriptor, "wb") as file:
            font.save(file)
        os.replace(partial, cached)
    return cached


def _font_cache_dir() -> Path:
    cache_home = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache_home) / "commercy" / "fonts"


class _Document(FPDF):
    def __init__(self, *, format: str | tuple[float, float] = "A4") -> None:
        super().__init__(format=format)
        self.set_auto_page_break(auto=True, margin=12)
        self.set_creator("Commercy")
        fonts = _font_files()
        self.unicode = fonts is not None
        if fonts is not None:
            self.add_font("Body", "", str(fonts[0]))
            self.add_font("Body", "B", str(fonts[1]))
            # HarfBuzz joins Arabic letters and the bidi algorithm writes them right to left.
            self.set_text_shaping(True)
            self.family_name = "Body"
        else:
            self.family_name = "Helvetica"
        self.add_page()

    def use(self, size: float, *, bold: bool = False) -> None:
        self.set_font(self.family_name, "B" if bold else "", size)

    def text_of(self, value: object) -> str:
        text = "" if value is None else str(value)
        return text if self.unicode else text.encode("latin-1", "replace").decode("latin-1")

    def line_of(self, text: object, *, size: float = 10, bold: bool = False, h: float = 6) -> None:
        self.use(size, bold=bold)
        self.multi_cell(0, h, self.text_of(text), new_x="LMARGIN", new_y="NEXT")


def _money(amount: Decimal) -> str:
    return f"{amount:.3f} TND"


def _party_name(order: Order, relation: str) -> str | None:
    """The reseller's or supplier's name when the caller loaded it (they are ``lazy="raise"``)."""
    if relation in inspect(order).unloaded:
        return None
    party = getattr(order, relation)
    return str(party.name) if party is not None else None


def _address_lines(order: Order) -> list[str]:
    place = " ".join(part for part in (order.customer_zip_code, order.customer_city) if part)
    lines = [order.customer_address or "", place, order.customer_governorate or ""]
    return [line for line in lines if line]


def invoice_pdf(order: Order) -> bytes:
    """The invoice of ``order`` (loaded with its items): what the customer pays on delivery."""
    pdf = _Document()
    pdf.set_title(f"Invoice {order.order_number}")
    seller = _party_name(order, "reseller")
    pdf.line_of(seller or "Commercy", size=16, bold=True, h=8)
    pdf.line_of(f"Invoice {order.order_number}", size=12, bold=True)
    pdf.line_of(f"Date: {iso_timestamp(order.created_at)[:10]}    Status: {order.status.value}")
    pdf.ln(4)
    pdf.line_of("Customer", bold=True)
    for line in [order.customer_name or "", order.customer_phone, *_address_lines(order)]:
        if line:
            pdf.line_of(line)
    pdf.ln(4)

    widths = (90, 20, 35, 35)
    pdf.use(10, bold=True)
    for width, title in zip(widths, ("Product", "Qty", "Unit price", "Amount"), strict=True):
        pdf.cell(width, 8, title, border=1, align="L" if title == "Product" else "R")
    pdf.ln()
    pdf.use(10)
    for item in order.items:
        label = item.product_name + (f" ({item.notes})" if item.notes else "")
        pdf.cell(widths[0], 8, pdf.text_of(label)[:60], border=1)
        pdf.cell(widths[1], 8, str(item.quantity), border=1, align="R")
        pdf.cell(widths[2], 8, _money(item.unit_price), border=1, align="R")
        pdf.cell(widths[3], 8, _money(item.line_total), border=1, align="R")
        pdf.ln()
    pdf.ln(2)
    for title, amount, bold in (
        ("Subtotal", order.subtotal, False),
        ("Shipping", order.shipping_cost, False),
        ("Total", order.total, True),
    ):
        pdf.use(10, bold=bold)
        pdf.cell(sum(widths[:3]), 7, title, align="R")
        pdf.cell(widths[3], 7, _money(amount), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    payment = "Paid" if order.payment_status.value == "paid" else "Cash on delivery"
    pdf.line_of(f"Payment: {payment}")
    if order.notes:
        pdf.line_of(f"Notes: {order.notes}")
    return bytes(pdf.output())


def label_pdf(order: Order) -> bytes:
    """A 100 x 150 mm shipping label; the order number is a Code 39 barcode a scanner reads."""
    pdf = _Document(format=(100, 150))
    pdf.set_margins(6, 6, 6)
    pdf.set_auto_page_break(auto=False)  # one label, one page: long addresses are cut short
    pdf.set_title(f"Label {order.order_number}")
    pdf.set_xy(6, 6)
    sender = _party_name(order, "supplier") or _party_name(order, "reseller")
    if sender:
        pdf.line_of(f"From: {sender}", size=9, h=5)
    pdf.line_of("To:", size=9, bold=True, h=5)
    pdf.line_of(order.customer_name or order.customer_phone, size=14, bold=True, h=7)
    pdf.line_of(
        order.customer_phone + (f" / {order.customer_phone2}" if order.customer_phone2 else ""),
        size=11,
    )
    for line in _address_lines(order):
        pdf.line_of(line[:120], size=11)
    pdf.ln(2)
    count = sum(item.quantity for item in order.items)
    pdf.line_of(f"{count} item(s)", size=10)
    due = Decimal(0) if order.payment_status.value == "paid" else order.total
    pdf.line_of(f"Cash to collect: {_money(due)}", size=13, bold=True, h=8)
    # A Code 39 character is 16 narrow bars wide (wide = 3 narrow): fit the label's 88 mm,
    # with a narrow bar of at most 0.33 mm (scanners want at least about 0.19 mm).
    code = f"*{order.order_number}*"
    narrow = min(0.33, 88 / (16 * len(code)))
    pdf.code39(code, x=6, y=110, w=3 * narrow, h=22)
    pdf.set_xy(6, 134)
    pdf.line_of(order.order_number, size=10, bold=True)
    return bytes(pdf.output())
