"""Refresh the zh_CN catalog: extract message ids, merge into messages.po, report gaps.

Usage: python scripts/i18n.py [--check] [--add FILE.json]
  --check exits 1 if any id lacks a translation;
  --add fills the zh_CN strings of a JSON object {"English id": "中文", ...} after the merge.
Runs hold an exclusive lock on the catalog, so two people (or agents) refreshing it at the same
moment do not overwrite each other's translations.
"""

from __future__ import annotations

import fcntl
import json
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "src/bedside/locale/zh_CN/LC_MESSAGES/messages.po"


KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None}


def extract() -> Catalog:
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    catalog = Catalog(project="bedside")
    for filename, lineno, message, comments, context in extract_from_dir(
        ROOT, method_map, options_map, keywords=KEYWORDS
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def main() -> int:
    with (PO.parent / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _refresh()


def _added() -> dict[str, str]:
    if "--add" not in sys.argv:
        return {}
    path = Path(sys.argv[sys.argv.index("--add") + 1])
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise SystemExit(f"{path}: expected a JSON object of English id -> zh_CN text")
    return data


def _refresh() -> int:
    added = _added()
    template = extract()
    if PO.exists():
        with PO.open("rb") as fh:
            catalog = read_po(fh, locale="zh_CN")
    else:
        catalog = Catalog(locale="zh_CN", project="bedside")
    catalog.update(template, no_fuzzy_matching=True)
    unknown = [msgid for msgid in added if msgid not in catalog]
    for msgid, text in added.items():
        if msgid in catalog:
            catalog[msgid].string = text
    for msgid in unknown:
        print(f"not in the source (skipped): {msgid!r}")
    missing = [m.id for m in catalog if m.id and not m.string]
    if "--check" in sys.argv:
        for msgid in missing:
            print(f"untranslated: {msgid!r}")
        return 1 if missing else 0
    PO.parent.mkdir(parents=True, exist_ok=True)
    with PO.open("wb") as fh:
        write_po(fh, catalog, omit_header=False, no_location=True, width=100, ignore_obsolete=True)
    print(f"{PO.relative_to(ROOT)}: {len(catalog)} messages, {len(missing)} untranslated")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
