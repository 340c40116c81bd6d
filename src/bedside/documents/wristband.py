"""The inpatient wristband: ZPL II for a Zebra wristband printer, and a PNG preview of the same band.
This module gathers wristband_layout (the content and where it goes), wristband_text (the
bitmaps of free text) and wristband_zpl (the two renderings); Pillow and segno load only when
a band is drawn.

One layout (`wristband_layout`) feeds both renderers. It is placed in *label* coordinates, the ones
ZPL uses: x across the band (0 .. ^PW), y along the feed direction (0 .. ^LL). The text reads
along the band, so every field is rotated 90° clockwise; the preview turns the rasterised label
back 90° counter-clockwise so it shows the band the way a nurse reads it.

Zebra printers rarely carry a Chinese font, so every piece of free text (hospital, name, ward,
bed, the allergy flag) is drawn here with the vendored font and sent as a ^GFA bitmap. Only
fields that are ASCII by construction (inpatient number, sex, age, date) use the printer's ^A0.
"""

from __future__ import annotations

from bedside.documents.wristband_layout import A0_ADVANCE as A0_ADVANCE
from bedside.documents.wristband_layout import ALLERGY_FLAG as ALLERGY_FLAG
from bedside.documents.wristband_layout import ALLERGY_FLAG_ALONE as ALLERGY_FLAG_ALONE
from bedside.documents.wristband_layout import ALLERGY_FLAG_ROW as ALLERGY_FLAG_ROW
from bedside.documents.wristband_layout import ALLERGY_MAX_MM as ALLERGY_MAX_MM
from bedside.documents.wristband_layout import ALLERGY_PAD_MM as ALLERGY_PAD_MM
from bedside.documents.wristband_layout import ALLERGY_TEXT_ROW as ALLERGY_TEXT_ROW
from bedside.documents.wristband_layout import BAR_HEIGHT as BAR_HEIGHT
from bedside.documents.wristband_layout import BAR_MODULE_MM as BAR_MODULE_MM
from bedside.documents.wristband_layout import BAR_TEXT_GAP as BAR_TEXT_GAP
from bedside.documents.wristband_layout import BY_HEIGHT as BY_HEIGHT
from bedside.documents.wristband_layout import CODE128_PATTERNS as CODE128_PATTERNS
from bedside.documents.wristband_layout import CODE128_QUIET_MODULES as CODE128_QUIET_MODULES
from bedside.documents.wristband_layout import CODE128_START_B as CODE128_START_B
from bedside.documents.wristband_layout import CODE128_STOP as CODE128_STOP
from bedside.documents.wristband_layout import EDGE_MM as EDGE_MM
from bedside.documents.wristband_layout import GAP_MM as GAP_MM
from bedside.documents.wristband_layout import GF_MAX_BYTES as GF_MAX_BYTES
from bedside.documents.wristband_layout import INPATIENT_NO as INPATIENT_NO
from bedside.documents.wristband_layout import LEAD_MM as LEAD_MM
from bedside.documents.wristband_layout import MIN_WIDTH_MM as MIN_WIDTH_MM
from bedside.documents.wristband_layout import MM_PER_INCH as MM_PER_INCH
from bedside.documents.wristband_layout import QR_QUIET_MODULES as QR_QUIET_MODULES
from bedside.documents.wristband_layout import ROW_HOSPITAL as ROW_HOSPITAL
from bedside.documents.wristband_layout import ROW_INFO as ROW_INFO
from bedside.documents.wristband_layout import ROW_NAME as ROW_NAME
from bedside.documents.wristband_layout import ROW_WARD as ROW_WARD
from bedside.documents.wristband_layout import TAIL_MM as TAIL_MM
from bedside.documents.wristband_layout import TEXT_MAX_MM as TEXT_MAX_MM
from bedside.documents.wristband_layout import TEXT_MIN_MM as TEXT_MIN_MM
from bedside.documents.wristband_layout import Box as Box
from bedside.documents.wristband_layout import Code128 as Code128
from bedside.documents.wristband_layout import Element as Element
from bedside.documents.wristband_layout import Graphic as Graphic
from bedside.documents.wristband_layout import QRCode as QRCode
from bedside.documents.wristband_layout import Text as Text
from bedside.documents.wristband_layout import Wristband as Wristband
from bedside.documents.wristband_layout import WristbandLayout as WristbandLayout
from bedside.documents.wristband_layout import code128_modules as code128_modules
from bedside.documents.wristband_layout import code128_widths as code128_widths
from bedside.documents.wristband_layout import dots as dots
from bedside.documents.wristband_layout import qr_symbol as qr_symbol
from bedside.documents.wristband_layout import sanitize_field_data as sanitize_field_data
from bedside.documents.wristband_layout import wristband_layout as wristband_layout
from bedside.documents.wristband_text import CONTROL_CATEGORIES as CONTROL_CATEGORIES
from bedside.documents.wristband_text import ELLIPSIS as ELLIPSIS
from bedside.documents.wristband_text import EM_ASCENT as EM_ASCENT
from bedside.documents.wristband_text import MIN_TEXT_SCALE as MIN_TEXT_SCALE
from bedside.documents.wristband_text import FittedText as FittedText
from bedside.documents.wristband_text import clean_text as clean_text
from bedside.documents.wristband_text import fit_text as fit_text
from bedside.documents.wristband_text import text_bitmap as text_bitmap
from bedside.documents.wristband_text import to_label as to_label
from bedside.documents.wristband_zpl import compress_rows as compress_rows
from bedside.documents.wristband_zpl import wristband_preview_png as wristband_preview_png
from bedside.documents.wristband_zpl import wristband_raster as wristband_raster
from bedside.documents.wristband_zpl import wristband_zpl as wristband_zpl
