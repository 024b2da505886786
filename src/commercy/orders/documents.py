"""The order's PDFs: the invoice the customer receives, and the parcel's shipping label."""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import tempfile
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import fontTools
import uharfbuzz as hb
from fontTools import subset
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.fonts import CoreFont, TTFFont
from sqlalchemy import inspect

from commercy.core.responses import iso_timestamp
from commercy.orders import amounts
from commercy.orders.models import Order

# A Unicode font when the system has one (Arabic and accented names); else the PDF core font,
# with characters it cannot draw replaced.
_FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
# The scripts a customer's name and address are written in here: Latin with its accents, Arabic
# (with its presentation forms), Greek and Cyrillic, punctuation and currency signs, and the
# replacement character printed for what no installed font draws.
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
    (0xFFFD, 0xFFFD),
)
_REPLACEMENT = "\ufffd"
_NOTO = Path("/usr/share/fonts/truetype/noto")
logger = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class _Face:
    """A font for characters the body font lacks: the first of ``regular`` that exists, and the
    first of ``bold`` (none: bold text uses the regular)."""

    name: str
    regular: tuple[Path, ...]
    bold: tuple[Path, ...] = ()


def _noto(stem: str) -> _Face:
    return _Face(
        name=stem.lower(),
        regular=(_NOTO / f"{stem}-Regular.ttf",),
        bold=(_NOTO / f"{stem}-Bold.ttf",),
    )


# Asked in this order for each character the body font lacks, then :func:`_noto_sweep`;
# scripts/ensure-fonts.sh installs their Debian packages, and a face not installed is skipped.
_FALLBACKS = (
    _noto("NotoSansHebrew"),
    _noto("NotoSansDevanagari"),
    # DejaVu Sans whole: what the cut-down body font leaves out (Vietnamese, Armenian, Georgian,
    # symbols...), and Hebrew when Noto is not installed.
    _Face(
        name="dejavu",
        regular=tuple(directory / "DejaVuSans.ttf" for directory in _FONT_DIRS),
        bold=tuple(directory / "DejaVuSans-Bold.ttf" for directory in _FONT_DIRS),
    ),
    # Chinese, Japanese and Korean Hangul; its "Full" sibling lacks Hangul but has the rarer
    # Han characters of Extension A.
    _Face(
        name="cjk",
        regular=(Path("/usr/share/fonts-droid-fallback/truetype/DroidSansFallback.ttf"),),
    ),
    _Face(
        name="cjkext", regular=(Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),)
    ),
)


@functools.cache
def _noto_sweep() -> tuple[_Face, ...]:
    """The Noto Sans of every other script Debian's fonts-noto-core has (Thai, Tamil, Bengali,
    Ethiopic...), asked last: their characters are only read when no face above has one."""
    named = {path for face in _FALLBACKS for path in face.regular}
    found = sorted(_NOTO.glob("NotoSans*-Regular.ttf"))
    return tuple(
        _noto(path.name.removesuffix("-Regular.ttf")) for path in found if path not in named
    )


_reported_missing: set[int] = set()


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
    logger.warning("PDFs print in Helvetica, non-Latin characters as '?': DejaVu Sans is missing")
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


@dataclass(frozen=True)
class _Loaded:
    face: hb.Face
    unicodes: frozenset[int]


@functools.cache
def _loaded(path: Path) -> _Loaded | None:
    """``path`` opened once per process for HarfBuzz (its characters, and its cutting)."""
    if not path.is_file():
        return None
    face = hb.Face(hb.Blob.from_file_path(str(path)))
    return _Loaded(face, frozenset(face.unicodes))


def _first_loaded(paths: Iterable[Path]) -> _Loaded | None:
    return next((font for font in map(_loaded, paths) if font is not None), None)


@functools.cache
def _body_coverage(regular: Path, bold: Path) -> frozenset[int]:
    """What both body fonts draw: fpdf2 asks the fallbacks for anything else."""
    regular_font, bold_font = _loaded(regular), _loaded(bold)
    if regular_font is None or bold_font is None:
        return frozenset()
    return regular_font.unicodes & bold_font.unicodes


def _cut(font: _Loaded, chars: Iterable[int]) -> bytes:
    """``font`` with only ``chars``, and the glyphs shaping them needs (Devanagari conjuncts).

    HarfBuzz's subsetter does it in ~0.1 ms, even to Droid Sans Fallback's 33,000 glyphs,
    which fpdf2 would otherwise parse whole for every document (~280 ms).
    """
    request = hb.SubsetInput()
    request.unicode_set.update(chars)
    request.flags |= hb.SubsetFlags.NOTDEF_OUTLINE
    return bytes(hb.subset(font.face, request).blob.data)


def _is_invisible(char: str) -> bool:
    """Line breaks, joiners, direction marks, variation selectors: no glyph is expected."""
    return unicodedata.category(char) in ("Cc", "Cf") or 0xFE00 <= ord(char) <= 0xFE0F


def _report_missing(chars: set[int]) -> None:
    new = chars - _reported_missing
    if new:
        _reported_missing.update(new)
        logger.warning(
            "PDFs print %s as U+FFFD: no installed font draws them (scripts/ensure-fonts.sh)",
            ", ".join(f"U+{char:04X}" for char in sorted(new)),
        )


class _Document(FPDF):
    """A page in DejaVu Sans, cut down to the usual scripts, and fallback fonts for the others.

    The fallbacks are cut per document to the characters it prints, only when it prints some:
    an invoice in Latin or Arabic costs what it did, and a Chinese name adds the dozen glyphs
    it needs, not the 33,000 of a CJK font. The cut fonts live in a temporary directory until
    :meth:`render`, since fpdf2 reads them again when it writes the PDF.
    """

    def __init__(self, *, texts: Iterable[str], format: str | tuple[float, float] = "A4") -> None:
        super().__init__(format=format)
        self.set_auto_page_break(auto=True, margin=12)
        self.set_creator("Commercy")
        fonts = _font_files()
        self.unicode = fonts is not None
        self._body: frozenset[int] = frozenset()
        self._fallback_covered: set[int] = set()
        self._fallback_families: list[str] = []
        self._missing: set[int] = set()
        self._scratch: tempfile.TemporaryDirectory[str] | None = None
        if fonts is not None:
            self.add_font("Body", "", str(fonts[0]))
            self.add_font("Body", "B", str(fonts[1]))
            # HarfBuzz joins Arabic letters and the bidi algorithm writes them right to left.
            self.set_text_shaping(True)
            self.family_name = "Body"
            self._body = _body_coverage(*fonts)
            self.cover(texts)
        else:
            self.family_name = "Helvetica"
        self.add_page()

    def cover(self, texts: Iterable[str]) -> None:
        """Adds fallback fonts for the characters of ``texts`` the body font lacks; what no font
        draws is remembered, to be printed as U+FFFD."""
        known = (self._body, self._fallback_covered, self._missing)
        wanted = {ord(char) for text in texts for char in text}
        wanted = {
            char
            for char in wanted
            if not any(char in chars for chars in known) and not _is_invisible(chr(char))
        }
        if not wanted:
            return
        for face in (*_FALLBACKS, *_noto_sweep()):
            regular = _first_loaded(face.regular)
            chars = wanted & regular.unicodes if regular is not None else set()
            if regular is None or not chars:
                continue
            try:
                self._add_fallback(face, regular=regular, chars=chars)
            except Exception:  # a font that cannot be cut: the next one, or U+FFFD
                logger.warning("PDF fallback font %s unusable", face.name, exc_info=True)
                continue
            wanted -= chars
            if not wanted:
                break
        if wanted:
            self._missing |= wanted
            _report_missing(wanted)

    def _add_fallback(self, face: _Face, *, regular: _Loaded, chars: set[int]) -> None:
        family = f"{face.name}{len(self._fallback_families)}"
        self.add_font(family, "", self._scratch_file(f"{family}.ttf", _cut(regular, chars)))
        bold = _first_loaded(face.bold)
        if bold is not None and chars & bold.unicodes:
            content = _cut(bold, chars & bold.unicodes)
            self.add_font(family, "B", self._scratch_file(f"{family}-bold.ttf", content))
        self._fallback_families.append(family)
        self._fallback_covered |= chars
        # Bold text takes the regular fallback when the face has no bold of a character.
        self.set_fallback_fonts(self._fallback_families, exact_match=False)

    def _scratch_file(self, name: str, content: bytes) -> Path:
        if self._scratch is None:
            self._scratch = tempfile.TemporaryDirectory(
                prefix="commercy-pdf-", ignore_cleanup_errors=True
            )
        path = Path(self._scratch.name) / name
        path.write_bytes(content)
        return path

    def render(self) -> bytes:
        try:
            return bytes(self.output())
        finally:
            if self._scratch is not None:
                self._scratch.cleanup()

    def _set_font_for_page(
        self, font: CoreFont | TTFFont, font_size_pt: float, wrap_in_text_object: bool = True
    ) -> str:
        """Sets the page's font before a line that starts in a fallback font, not inside it.

        fpdf2 2.8.9 sets it inside that line's text object, which it then wraps in ``q ... Q``
        when the line ends in a fallback font: the ``Q`` forgets the font, fpdf2 does not, and
        the next line in the same font and size is drawn with the previous font's glyphs.
        """
        if wrap_in_text_object or self.current_font_is_set_on_page:
            return super()._set_font_for_page(font, font_size_pt, wrap_in_text_object)
        self._out(super()._set_font_for_page(font, font_size_pt))
        return ""

    def use(self, size: float, *, bold: bool = False) -> None:
        self.set_font(self.family_name, "B" if bold else "", size)

    def text_of(self, value: object) -> str:
        text = "" if value is None else str(value)
        if not self.unicode:
            return text.encode("latin-1", "replace").decode("latin-1")
        self.cover([text])
        if self._missing.isdisjoint(map(ord, text)):
            return text
        return "".join(_REPLACEMENT if ord(char) in self._missing else char for char in text)

    def line_of(self, text: object, *, size: float = 10, bold: bool = False, h: float = 6) -> None:
        self.use(size, bold=bold)
        self.multi_cell(0, h, self.text_of(text), new_x="LMARGIN", new_y="NEXT")


def _money(amount: Decimal) -> str:
    return amounts.with_currency(amount)


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


def _texts_of(order: Order) -> list[str]:
    """The free texts of ``order`` its PDFs print, so each fallback font is cut once for all."""
    parties = [_party_name(order, relation) for relation in ("reseller", "supplier")]
    items = [text for item in order.items for text in (item.product_name, item.notes)]
    texts = [*parties, order.customer_name, *_address_lines(order), order.notes, *items]
    return [text for text in texts if text]


def invoice_pdf(order: Order) -> bytes:
    """The invoice of ``order`` (loaded with its items): what the customer pays on delivery."""
    pdf = _Document(texts=_texts_of(order))
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
    return pdf.render()


LABEL_FORMAT = (100, 150)


def label_pdf(order: Order) -> bytes:
    """A 100 x 150 mm shipping label; the order number is a Code 39 barcode a scanner reads."""
    return labels_pdf([order], title=f"Label {order.order_number}")


def labels_pdf(orders: Sequence[Order], *, title: str = "Labels") -> bytes:
    """One label per page for each of ``orders`` (loaded with their items), in one PDF."""
    pdf = _Document(
        texts=[text for order in orders for text in _texts_of(order)], format=LABEL_FORMAT
    )
    pdf.set_margins(6, 6, 6)
    pdf.set_auto_page_break(auto=False)  # one label, one page: long addresses are cut short
    pdf.set_title(title)
    for index, order in enumerate(orders):
        if index:
            pdf.add_page()
        _draw_label(pdf, order)
    return pdf.render()


def _draw_label(pdf: _Document, order: Order) -> None:
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
