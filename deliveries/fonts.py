"""Fonts for the delivery dossier: where Debian installs them, shaping with HarfBuzz, embedding.

Signers write their names in any script, so each character is drawn with the first font of a
chain that has it, and text is shaped by HarfBuzz (Arabic joining, marks, kerning). Each font
remembers the glyphs it has drawn and which text each stands for, so that the finished PDF
embeds only those glyphs and maps every one of them back to its text for extraction and search.
"""

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO
from pathlib import Path

import uharfbuzz as hb
from fontTools import subset
from fontTools.ttLib import TTFont

FONT_ROOT = Path("/usr/share/fonts")


class MissingFont(Exception):
    pass


@dataclass(frozen=True)
class FontSpec:
    family: str
    relative_path: str  # under FONT_ROOT, where the Debian package installs it
    package: str
    index: int = 0  # the face within a font collection (.ttc)

    @property
    def filename(self) -> str:
        return Path(self.relative_path).name

    def locate(self) -> Path | None:
        expected = FONT_ROOT / self.relative_path
        if expected.is_file():
            return expected
        # Another Debian release may file the same font in another folder.
        return next(FONT_ROOT.rglob(self.filename), None) if FONT_ROOT.is_dir() else None


def _noto(family: str, filename: str) -> FontSpec:
    return FontSpec(family, f"truetype/noto/{filename}", "fonts-noto-core")


REGULAR = _noto("Noto Sans", "NotoSans-Regular.ttf")
BOLD = _noto("Noto Sans Bold", "NotoSans-Bold.ttf")
# Tried in this order for the characters that Noto Sans (Latin, Greek, Cyrillic) lacks.
FALLBACKS = (
    _noto("Noto Sans Arabic", "NotoSansArabic-Regular.ttf"),
    _noto("Noto Sans Hebrew", "NotoSansHebrew-Regular.ttf"),
    *(
        _noto(f"Noto Sans {script}", f"NotoSans{script}-Regular.ttf")
        for script in [
            "Armenian",
            "Georgian",
            "Ethiopic",
            "Syriac",
            "Thaana",
            "Devanagari",
            "Bengali",
            "Gurmukhi",
            "Gujarati",
            "Tamil",
            "Telugu",
            "Kannada",
            "Malayalam",
            "Sinhala",
            "Thai",
            "Lao",
            "Khmer",
            "Myanmar",
        ]
    ),
    # Han, kana and Hangul with TrueType outlines, a twentieth of the size of Noto Sans CJK.
    FontSpec("WenQuanYi Micro Hei", "truetype/wqy/wqy-microhei.ttc", "fonts-wqy-microhei"),
)


FONTS = (REGULAR, BOLD, *FALLBACKS)


def required_fonts() -> list[tuple[Path, int]]:
    """The font files (and faces) that the dossier embeds; raises MissingFont for any missing."""
    found = [spec.locate() for spec in FONTS]
    missing = [spec for spec, path in zip(FONTS, found, strict=True) if path is None]
    if missing:
        names = "; ".join(
            f"{spec.family} ({spec.filename}, Debian package {spec.package})" for spec in missing
        )
        packages = " ".join(sorted({spec.package for spec in missing}))
        raise MissingFont(
            f"Fonts missing under {FONT_ROOT}: {names}. Install with: apt-get install {packages}"
        )
    return [(path, spec.index) for path, spec in zip(found, FONTS, strict=True)]


class EmbeddedFont:
    """One font file as it is used in one document.

    Glyphs are addressed by CIDs of our own, one for each pair of glyph and the text it stands
    for, so that a ligature (Arabic lam-alef) or a glyph shared by two characters still maps
    back to the right text.
    """

    def __init__(self, path: Path, index: int = 0):
        self.path, self.index = path, index
        self.hb_font = hb.Font(hb.Face(hb.Blob.from_file_path(str(path)), index))
        self.thousandths = 1000 / self.hb_font.face.upem
        self.cid_by_glyph: dict[tuple[int, str], int] = {(0, ""): 0}
        self.glyphs = [0]  # by CID
        self.texts = [""]
        self.widths = [self._width(0)]

    def _width(self, glyph: int) -> int:
        return round(self.hb_font.get_glyph_h_advance(glyph) * self.thousandths)

    def has(self, char: str) -> bool:
        return self.hb_font.get_nominal_glyph(ord(char)) is not None

    def cid(self, glyph: int, text: str) -> int:
        key = (glyph, text)
        cid = self.cid_by_glyph.get(key)
        if cid is None:
            cid = self.cid_by_glyph[key] = len(self.glyphs)
            self.glyphs.append(glyph)
            self.texts.append(text)
            self.widths.append(self._width(glyph))
        return cid

    def shape(self, text: str, rtl: bool) -> tuple[list, list, int]:
        """One run shaped into pieces for TJ operators, and its advance in thousandths of em.

        A piece is (x, y, operand) in thousandths of em from the start of the run. Marks that
        HarfBuzz places off the pen and that carry no text of their own (their text went with
        the base letter) come apart, to be drawn after the line: extractors read the line's
        letters as one unbroken word rather than split at every vowel sign.
        """
        buffer = hb.Buffer()
        buffer.add_str(text)
        buffer.guess_segment_properties()
        buffer.direction = "rtl" if rtl else "ltr"
        hb.shape(self.hb_font, buffer)
        infos, positions = buffer.glyph_infos, buffer.glyph_positions
        starts = sorted({info.cluster for info in infos})
        ends = dict(zip(starts, [*starts[1:], len(text)], strict=True))
        pieces, marks, operand, pen, piece_start, seen = [], [], [], 0, 0, set()

        def flush():
            if operand:
                pieces.append((piece_start, 0, "[" + "".join(operand) + "]"))
                operand.clear()

        for info, position in zip(infos, positions, strict=True):
            cluster = info.cluster
            meaning = "" if cluster in seen else text[cluster : ends[cluster]]
            seen.add(cluster)
            if rtl and len(meaning) > 1:
                # Extractors turn right-to-left glyph runs around, and a ligature's text with them.
                meaning = meaning[::-1]
            cid = self.cid(info.codepoint, meaning)
            advance = round(position.x_advance * self.thousandths)
            dx = round(position.x_offset * self.thousandths)
            dy = round(position.y_offset * self.thousandths)
            if (dx or dy) and not meaning:
                marks.append((pen + dx, dy, f"[<{cid:04X}>]"))
                if advance:
                    if not operand:
                        piece_start = pen
                    operand.append(str(-advance))
            elif dx or dy:
                flush()
                pieces.append((pen + dx, dy, f"[<{cid:04X}>]"))
            else:
                if not operand:
                    piece_start = pen
                operand.append(f"<{cid:04X}>")
                if self.widths[cid] != advance:
                    operand.append(str(self.widths[cid] - advance))
            pen += advance
        flush()
        return pieces, marks, pen

    def embed(self) -> dict:
        """The subset font program and what the PDF font dictionaries need to know about it."""
        font = TTFont(self.path, fontNumber=self.index)
        # Text arrives shaped: the layout tables would only take time to subset and room to embed.
        for tag in ("GSUB", "GPOS", "GDEF", "BASE", "JSTF", "kern", "morx", "MATH", "FFTM"):
            if tag in font:
                del font[tag]
        old_order = font.getGlyphOrder()
        used_glyphs = sorted(set(self.glyphs))
        options = subset.Options()
        options.hinting = False
        options.layout_features = []
        options.notdef_outline = True
        options.name_IDs = [1, 2, 3, 4, 6]
        subsetter = subset.Subsetter(options)
        subsetter.populate(gids=used_glyphs)
        subsetter.subset(font)
        new_index = {name: index for index, name in enumerate(font.getGlyphOrder())}
        cid_to_glyph = b"".join(
            new_index[old_order[glyph]].to_bytes(2, "big") for glyph in self.glyphs
        )
        program = BytesIO()
        font.save(program)
        head, hhea = font["head"], font["hhea"]
        scale = self.thousandths
        tag = "".join(chr(65 + byte % 26) for byte in hashlib.sha256(cid_to_glyph).digest()[:6])
        postscript_name = re.sub(
            r"[^A-Za-z0-9-]", "", font["name"].getDebugName(6) or self.path.stem
        )
        return {
            "name": f"{tag}+{postscript_name}",
            "program": program.getvalue(),
            "cid_to_glyph": cid_to_glyph,
            "widths": self.widths,
            "texts": self.texts,
            "bbox": [round(v * scale) for v in (head.xMin, head.yMin, head.xMax, head.yMax)],
            "ascent": round(hhea.ascent * scale),
            "descent": round(hhea.descent * scale),
        }


@dataclass(frozen=True)
class ShapedLine:
    width: float  # in em
    pieces: tuple  # (font index, x, y, TJ operand), x and y in thousandths of em
    rtl: bool


_RIGHT_TO_LEFT = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc\U00010800-\U00011000]")
# Chinese and Japanese put no spaces between words: a line may break after any ideograph or kana.
_IDEOGRAPHS = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef"
_WORDS = re.compile(f"[{_IDEOGRAPHS}]\\s*|[^\\s{_IDEOGRAPHS}]+\\s*|\\s+")


def _strong_type(char: str) -> str:
    kind = unicodedata.bidirectional(char)
    if kind in ("R", "AL"):
        return "R"
    if kind in ("EN", "AN"):
        return "N"  # a number
    if kind in ("L", "NSM"):
        return kind
    if kind in ("ES", "CS", "ET"):
        return "S"  # a separator inside a number: "1,000", "2025-01-02", "10%"
    return ""  # neutral


def bidi_runs(text: str, rtl: bool | None = None) -> tuple[bool, list[tuple[int, int, bool]]]:
    """The base direction and the runs (start, end, right-to-left) of a line in visual order.

    A subset of the Unicode bidirectional algorithm that is enough for names and prose: strong
    letters, numbers inside right-to-left text, neutrals between them (rules W1, W4-W7, N1-N2,
    I1-I2, L1-L2). Explicit embedding controls are treated as neutrals.
    """
    types = [_strong_type(char) for char in text]
    strong = [kind for kind in types if kind in ("L", "R")]
    if rtl is None:
        rtl = bool(strong) and strong[0] == "R"
    base = "R" if rtl else "L"
    previous_strong = base
    for index, kind in enumerate(types):
        if kind == "NSM":
            types[index] = kind = types[index - 1] if index else base
        if kind == "N" and previous_strong == "L":
            types[index] = "L"  # European digits after Latin text read left to right (W7)
        if kind in ("L", "R"):
            previous_strong = kind
    for index, kind in enumerate(types):
        if kind == "S":
            before = types[index - 1] if index else ""
            after = types[index + 1] if index + 1 < len(types) else ""
            types[index] = before if before == after and before in ("N", "L") else ""
    # Neutrals take the direction of the strong text around them, or else the base direction.
    resolved = ["R" if kind == "N" else kind for kind in types]
    index = 0
    while index < len(resolved):
        if resolved[index]:
            index += 1
            continue
        end = index
        while end < len(resolved) and not resolved[end]:
            end += 1
        before = resolved[index - 1] if index else base
        after = resolved[end] if end < len(resolved) else base
        direction = before if before == after else base
        if end == len(resolved):
            direction = base  # trailing spaces stay at the base level (L1)
        resolved[index:end] = [direction] * (end - index)
        index = end
    levels = []
    for kind, resolved_kind in zip(types, resolved, strict=True):
        if kind == "N" and resolved_kind == "R":
            levels.append(2)
        elif rtl:
            levels.append(1 if resolved_kind == "R" else 2)
        else:
            levels.append(1 if resolved_kind == "R" else 0)
    runs = []
    for index, level in enumerate(levels):
        if runs and runs[-1][2] == level:
            runs[-1][1] = index + 1
        else:
            runs.append([index, index + 1, level])
    # L2: from the highest level down to the lowest odd one, reverse every sequence at or above.
    lowest_odd = min((level for level in levels if level % 2), default=None)
    if lowest_odd is not None:
        for level in range(max(levels), lowest_odd - 1, -1):
            index = 0
            while index < len(runs):
                if runs[index][2] >= level:
                    end = index
                    while end < len(runs) and runs[end][2] >= level:
                        end += 1
                    runs[index:end] = runs[index:end][::-1]
                    index = end
                else:
                    index += 1
    return rtl, [(start, end, level % 2 == 1) for start, end, level in runs]


class Shaper:
    """Shapes lines with a chain of fonts: each character from the first font that has it."""

    def __init__(self, fonts: list[EmbeddedFont], chain: list[int]):
        self.fonts = fonts
        self.chain = chain
        self._font_for_char: dict[str, int] = {}
        self.shape = lru_cache(maxsize=8192)(self._shape)
        self.width = lru_cache(maxsize=8192)(lambda text: self.shape(text).width)

    def _font_for(self, char: str) -> int:
        index = self._font_for_char.get(char)
        if index is None:
            index = next((i for i in self.chain if self.fonts[i].has(char)), self.chain[0])
            self._font_for_char[char] = index
        return index

    def _font_spans(self, text: str) -> list[tuple[int, int, int]]:
        spans: list[list[int]] = []
        for position, char in enumerate(text):
            font = self._font_for(char)
            # Spaces, marks and joiners stay with the text they belong to when that font has them.
            if spans and font != spans[-1][2]:
                category = unicodedata.category(char)
                joins = category[0] in "MZ" or category == "Cf" or char in "-'.,()"
                if joins and self.fonts[spans[-1][2]].has(char):
                    font = spans[-1][2]
            if spans and spans[-1][2] == font:
                spans[-1][1] = position + 1
            else:
                spans.append([position, position + 1, font])
        return [(start, end, font) for start, end, font in spans]

    def _shape(self, text: str, rtl: bool | None = None) -> ShapedLine:
        if _RIGHT_TO_LEFT.search(text):
            rtl, runs = bidi_runs(text, rtl)
        else:
            runs = [(0, len(text), bool(rtl))]
        pieces, marks, pen = [], [], 0
        for start, end, run_rtl in runs:
            spans = self._font_spans(text[start:end])
            for span_start, span_end, font in spans[::-1] if run_rtl else spans:
                span_pieces, span_marks, advance = self.fonts[font].shape(
                    text[start + span_start : start + span_end], run_rtl
                )
                pieces.extend((font, pen + x, y, operand) for x, y, operand in span_pieces)
                marks.extend((font, pen + x, y, operand) for x, y, operand in span_marks)
                pen += advance
        return ShapedLine(pen / 1000, tuple(pieces + marks), bool(rtl))

    def wrap(self, text: str, width: float) -> list[str]:
        """Greedy line breaks between words (and between ideographs) for a width in em."""
        lines, current, current_width = [], "", 0.0
        for word in _WORDS.findall(text):
            word_width = self.width(word.rstrip())
            if current and current_width + word_width > width:
                lines.append(current.rstrip())
                current, current_width = "", 0.0
            if not current and word_width > width:
                # A word wider than the line (a long address or URL) is cut anywhere.
                for char in word.rstrip():
                    if current and self.width(current + char) > width:
                        lines.append(current)
                        current = ""
                    current += char
                current += word[len(word.rstrip()) :]
                current_width = self.width(current)
                continue
            current += word
            current_width += self.width(word)
        if current.strip() or not lines:
            lines.append(current.rstrip())
        return lines
