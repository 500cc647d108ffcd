"""Sandbox label documents: a real 4×6 in PDF that can never pass for postage.

Tracking numbers have the carriers' shapes and check digits (USPS 22 digits "9400…", UPS
"1Z…", FedEx 12 digits) and come from the label id alone, so any process derives the same one.
"""

from __future__ import annotations

import hashlib
import io
from datetime import datetime

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.colors import Color, black, white
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from shipbot.domain.address import Address
from shipbot.domain.parcel import describe_weight
from shipbot.providers.carriers.base import CarrierService, Shipment

WIDTH, HEIGHT = 288, 432  # 4 × 6 in at 72 pt/in
MARGIN = 12
SAMPLE = "SAMPLE — NOT POSTAGE"
_UPS_ACCOUNT = "SB0X42"  # a fixed shipper number, as one real account would have
_UPS_SERVICE = {
    "ups_next_day_air": "01",
    "ups_2nd_day_air": "02",
    "ups_ground": "03",
    "ups_3_day_select": "12",
}
_WATERMARK = Color(0.85, 0.1, 0.1, alpha=0.28)


def _digits(label_id: str, count: int) -> str:
    number = int.from_bytes(hashlib.sha256(label_id.encode()).digest(), "big")
    return str(number).zfill(count)[-count:]


def _usps_check(body: str) -> str:
    # GS1 mod 10: from the right, weights 3, 1, 3, …
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str(-total % 10)


def _ups_check(body: str) -> str:
    # Letters count as (ord - 63) % 10; even positions (1-based) weigh double.
    values = [int(c) if c.isdigit() else (ord(c) - 63) % 10 for c in body]
    total = sum(v * (2 if i % 2 else 1) for i, v in enumerate(values))
    return str(-total % 10)


def _fedex_check(body: str) -> str:
    # Weights 1, 3, 7 from the right, sum mod 11 (10 counts as 0).
    weights = (1, 3, 7)
    total = sum(int(d) * weights[i % 3] for i, d in enumerate(reversed(body)))
    return str(total % 11 % 10)


def tracking_number(service: CarrierService, label_id: str) -> str:
    if service.carrier_code == "usps":
        body = "9400" + _digits(label_id, 17)
        return body + _usps_check(body)
    if service.carrier_code == "ups":
        body = _UPS_ACCOUNT + _UPS_SERVICE.get(service.service_code, "03") + _digits(label_id, 7)
        return "1Z" + body + _ups_check(body)
    body = _digits(label_id, 11)
    return body + _fedex_check(body)


def _fit(text: str, font: str, size: float, width: float) -> float:
    """The largest size up to `size` at which the text fits the width (long streets shrink)."""
    while size > 5 and stringWidth(text, font, size) > width:
        size -= 0.5
    return size


def _lines(c: Canvas, lines: list[str], x: float, y: float, size: float, width: float) -> float:
    for i, line in enumerate(lines):
        font = "Helvetica-Bold" if i == 0 else "Helvetica"
        fitted = _fit(line, font, size, width)
        c.setFont(font, fitted)
        c.drawString(x, y, line)
        y -= size + 2
    return y


def _address_lines(address: Address) -> list[str]:
    return [line.upper() for line in address.lines()]


def render_label(
    *,
    service: CarrierService,
    shipment: Shipment,
    tracking: str,
    label_id: str,
    created: datetime,
) -> bytes:
    buf = io.BytesIO()
    # invariant: no creation timestamp or random file id, so one label id gives one document.
    c = Canvas(buf, pagesize=(WIDTH, HEIGHT), invariant=1)
    c.setTitle(f"{service.service_name} {tracking}")
    c.setAuthor("shipbot sandbox carrier")
    c.setSubject(SAMPLE)
    inner = WIDTH - 2 * MARGIN
    top = HEIGHT - MARGIN

    c.setFont("Helvetica-Bold", 24)
    c.drawString(MARGIN, top - 22, service.carrier_name)
    c.setFont("Helvetica", 7)
    c.drawRightString(WIDTH - MARGIN, top - 8, f"Ship date: {created:%Y-%m-%d}")
    c.drawRightString(WIDTH - MARGIN, top - 17, f"Weight: {describe_weight(shipment.ounces)}")
    c.drawRightString(WIDTH - MARGIN, top - 26, f"Size: {shipment.dimensions.describe()}")
    c.setFillColor(black)
    c.rect(MARGIN, top - 50, inner, 18, stroke=0, fill=1)
    c.setFillColor(white)
    name = service.service_name.upper()
    c.setFont("Helvetica-Bold", _fit(name, "Helvetica-Bold", 13, inner - 8))
    c.drawCentredString(WIDTH / 2, top - 45, name)
    c.setFillColor(black)

    c.setFont("Helvetica-Bold", 7)
    c.drawString(MARGIN, top - 62, "FROM:")
    y = _lines(c, _address_lines(shipment.ship_from), MARGIN + 28, top - 62, 8, inner - 28)
    c.line(MARGIN, y - 2, WIDTH - MARGIN, y - 2)

    c.setFont("Helvetica-Bold", 8)
    c.drawString(MARGIN, y - 16, "SHIP TO:")
    y = _lines(c, _address_lines(shipment.ship_to), MARGIN + 40, y - 16, 12, inner - 40)
    c.setLineWidth(2)
    c.line(MARGIN, 150, WIDTH - MARGIN, 150)

    c.setFont("Helvetica-Bold", 8)
    c.drawCentredString(WIDTH / 2, 138, f"{service.carrier_name} TRACKING #")
    bar_width = min(1.3, (inner - 36) / (Code128(tracking, barWidth=1).width - 36))
    barcode = Code128(tracking, barWidth=bar_width, barHeight=58)
    barcode.drawOn(c, (WIDTH - barcode.width) / 2, 72)
    c.setFont("Courier-Bold", 11)
    c.drawCentredString(WIDTH / 2, 58, tracking)
    c.setFont("Helvetica", 6)
    c.drawCentredString(WIDTH / 2, 48, f"Label {label_id}")

    c.rect(MARGIN, MARGIN, inner, 26, stroke=0, fill=1)
    c.setFillColor(white)
    c.setFont("Helvetica-Bold", 15)
    c.drawCentredString(WIDTH / 2, MARGIN + 8, SAMPLE)

    # Across the whole label, over everything, so no part of it can be cut out and used.
    c.saveState()
    c.setFillColor(_WATERMARK)
    c.translate(WIDTH / 2, HEIGHT / 2)
    c.rotate(56)
    c.setFont("Helvetica-Bold", 34)
    c.drawCentredString(0, -12, SAMPLE)
    c.restoreState()
    c.showPage()
    c.save()
    return buf.getvalue()
