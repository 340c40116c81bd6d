"""Starting the app does not import the PDF, signing, printing, image, QR and Markdown
libraries: each is imported by the first document, receipt, wristband, picture or article
that needs it, so a restart (and every worker) is spared about a second of CPU and 20 MB."""

from __future__ import annotations

import json
import subprocess
import sys

LAZY = ("fpdf", "pyhanko", "escpos", "PIL", "segno", "fontTools", "markdown_it")

PROBE = f"""
import json, sys
from bedside.main import create_app
create_app()
print(json.dumps([m for m in {LAZY!r} if m in sys.modules]))
"""


def test_create_app_leaves_the_heavy_libraries_unimported():
    # A fresh interpreter: the test process itself has long imported all of them.
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, check=False
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_the_documents_still_import_them_when_used():
    probe = (
        "import json, sys\n"
        "from bedside.documents.qr import qr_svg\n"
        "from bedside.documents.receipts import CHINA_TZ\n"
        "assert 'segno' not in sys.modules and 'fpdf' not in sys.modules\n"
        "qr_svg('https://example.org/v/1')\n"
        "print(json.dumps('segno' in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=False
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) is True
