#!/usr/bin/env python3
"""Writes the page's bundled CJK font: Noto Sans CJK SC cut down to the characters the page's
language catalogues use (www/js/i18n/*.js), so the Chinese page reads on a machine without a
CJK font (many Linux installs, headless browsers) without fetching anything from elsewhere.

Run from the repository root whenever `cargo xtask check` says a catalogue character is
missing from the font:

    python3 -m venv /tmp/fontvenv && /tmp/fontvenv/bin/pip install fonttools brotli
    apt-get download fonts-noto-cjk && dpkg-deb -x fonts-noto-cjk_*.deb /tmp/noto
    /tmp/fontvenv/bin/python scripts/subset-cjk-font.py \
        /tmp/noto/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc

(or the installed package's /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc, the
default). Output, committed: www/fonts/noto-sans-sc-subset.woff2 and, beside it, the list of
the characters it covers (noto-sans-sc-subset.chars.txt), which the check compares with the
catalogues. The same font file and catalogues give the same bytes again.
"""
import os
import sys
from pathlib import Path

# The subsetter walks sets of strings: with Python's per-process string hashing, two runs wrote
# different bytes. Fixed hashing (set before the interpreter starts, so the script restarts
# itself once) makes the output reproducible.
if os.environ.get("PYTHONHASHSEED") != "0":
    os.environ["PYTHONHASHSEED"] = "0"
    os.execv(sys.executable, [sys.executable, *sys.argv])

try:
    from fontTools import subset
    from fontTools.ttLib import TTCollection
except ImportError:
    sys.exit("needs fonttools and brotli (pip install fonttools brotli; see this script's header)")

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = ROOT / "www/js/i18n"
OUT = ROOT / "www/fonts/noto-sans-sc-subset.woff2"
CHARS = OUT.with_suffix(".chars.txt")
DEFAULT_SOURCE = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
FAMILY = "Noto Sans CJK SC"
# The first code point the check (xtask `cjk_font_covers_catalogues`) counts as CJK: from the
# CJK radicals on, everything a Latin system font lacks (ideographs, CJK punctuation, fullwidth
# forms). Keep the two equal.
FIRST_CJK = 0x2E80


def catalogue_chars() -> str:
    chars = set()
    for f in sorted(CATALOGUES.glob("*.js")):
        chars.update(c for c in f.read_text(encoding="utf-8") if ord(c) >= FIRST_CJK)
    return "".join(sorted(chars))


def main() -> int:
    source = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_SOURCE
    try:
        collection = TTCollection(source)
    except Exception as e:  # a missing file, or not a font collection
        print(f"{source}: cannot read it as a font collection ({e}); pass the path of NotoSansCJK-Regular.ttc (see this script's header)", file=sys.stderr)
        return 2
    index = next((i for i, f in enumerate(collection.fonts) if f["name"].getDebugName(4) == FAMILY), None)
    if index is None:
        print(f"{source}: no font named {FAMILY!r} in this collection", file=sys.stderr)
        return 2
    font = collection.fonts[index]
    wanted = catalogue_chars()
    cmap = font.getBestCmap()
    missing = [c for c in wanted if ord(c) not in cmap]
    if missing:
        print(f"{FAMILY} has no glyph for {''.join(missing)!r}", file=sys.stderr)
        return 2
    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]
    options.name_IDs = ["*"]  # keep the copyright and licence records
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=wanted)
    subsetter.subset(font)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    font.flavor = "woff2"
    font.recalcTimestamp = False  # keep the source's date: the same bytes on every run
    font.save(OUT)
    CHARS.write_text(wanted + "\n", encoding="utf-8")
    print(f"{OUT.relative_to(ROOT)}: {len(wanted)} characters, {OUT.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
