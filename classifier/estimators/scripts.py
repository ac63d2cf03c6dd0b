"""Word tokens in every script: Unicode normalisation, a per-code-point class table, and token spans.

A text is prepared once (:func:`prepare`): Unicode NFKC normalisation (skipped,
at the cost of one ``str.isascii()``, for ASCII text), optionally Arabic marks
removed or Arabic/Persian/Urdu letter variants folded, then lower-cased.

Word tokens (:func:`token_spans`) are maximal runs of word characters: letters,
combining marks and digits (Unicode categories L, M, N) and ``_``, so that
Devanagari, Bengali or Gurmukhi vowel signs and Arabic harakat stay inside their
word. A zero-width joiner or non-joiner between two word characters is part of
the word (Persian ``می‌شود``, Sinhala ``ශ්‍රී``). A token needs at least two
code points, as in scikit-learn. Scripts written without spaces (Han, Hiragana,
Katakana, Thai, Lao, Khmer, Myanmar; their decimal digits excepted) give
overlapping bigrams of characters instead, a character being a base with the
combining marks that follow it; a run of one such character is a token of its
own. On ASCII text the tokens are exactly scikit-learn's ``\\b\\w\\w+\\b``.

Classes come from a table over the Basic Multilingual Plane, built once from
``unicodedata.category``; the rarer code points above it are looked up per batch.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import numpy as np

OTHER, WORD, MARK, JOINER, SPACELESS = 0, 1, 2, 3, 4  # ordered so that ``max()`` tells what a batch holds

SPACELESS_RANGES = (
    (0x0E00, 0x0E7F), (0x0E80, 0x0EFF),  # Thai, Lao
    (0x1000, 0x109F), (0xA9E0, 0xA9FF), (0xAA60, 0xAA7F),  # Myanmar
    (0x1780, 0x17FF), (0x19E0, 0x19FF),  # Khmer
    (0x3005, 0x3007), (0x3021, 0x3029), (0x3031, 0x3035), (0x3038, 0x303C),  # CJK marks and numerals
    (0x3040, 0x30FF), (0x31F0, 0x31FF), (0xFF66, 0xFF9F), (0x1B000, 0x1B16F),  # Hiragana, Katakana
    (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2FA1F), (0x30000, 0x323AF),  # Han
)
"""Code point ranges of the scripts written without spaces between words."""

ARABIC_MARKS = dict.fromkeys([*range(0x064B, 0x0660), 0x0670, 0x0640])
"""Harakat (U+064B-U+065F), superscript alef (U+0670) and tatweel (U+0640): removed by ``strip_arabic_marks``."""
ARABIC_FOLDS = str.maketrans({"\u064a": "\u06cc", "\u0643": "\u06a9", "\u06c1": "\u0647", "\u06d5": "\u0647"})
"""``fold_arabic_letters``: Arabic yeh to Farsi yeh (ي -> ی), kaf to keheh (ك -> ک), heh goal and ae to heh
(ہ, ە -> ه)."""

ASCII_WORD = np.array([chr(i).isalnum() or i == 95 for i in range(256)], dtype=bool)
ASCII_WORD[128:] = False


def _classes_of(codes: np.ndarray) -> np.ndarray:
    """The class of each code point of ``codes``, from ``unicodedata.category`` (slow: used to build tables)."""
    categories = [unicodedata.category(chr(int(c))) for c in codes]
    major = np.array([c[0] for c in categories])
    out = np.full(len(codes), OTHER, dtype=np.uint8)
    out[(major == "L") | (major == "N")] = WORD
    in_ranges = np.zeros(len(codes), dtype=bool)
    for lo, hi in SPACELESS_RANGES:
        in_ranges |= (codes >= lo) & (codes <= hi)
    out[in_ranges & (out == WORD) & (np.array(categories) != "Nd")] = SPACELESS
    out[major == "M"] = MARK
    out[codes == 0x5F] = WORD
    out[(codes == 0x200C) | (codes == 0x200D)] = JOINER
    return out


@lru_cache(maxsize=1)
def _bmp_classes() -> np.ndarray:
    """The class of every code point below 65536, built once per process."""
    return _classes_of(np.arange(65536))


def classes(codes: np.ndarray) -> np.ndarray:
    """The class (``OTHER``, ``WORD``, ``MARK``, ``JOINER`` or ``SPACELESS``) of each code point."""
    table = _bmp_classes()
    astral = codes >= 65536
    out = table[np.where(astral, 0, codes)]
    if astral.any():
        found = np.unique(codes[astral])
        out[astral] = _classes_of(found)[np.searchsorted(found, codes[astral])]
    return out


def prepare(text: str, lowercase: bool, strip_arabic_marks: bool = False, fold_arabic_letters: bool = False) -> str:
    """``text`` as it is tokenised: NFKC-normalised (unless ASCII), Arabic options applied, lower-cased."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
        if strip_arabic_marks:
            text = text.translate(ARABIC_MARKS)
        if fold_arabic_letters:
            text = text.translate(ARABIC_FOLDS)
    return text.lower() if lowercase else text


def encode(text: str) -> np.ndarray:
    """A prepared text as an array of code points: ``uint8`` when it is ASCII, else ``uint32``."""
    if text.isascii():
        return np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


def runs(flags: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Starts and ends of the maximal runs of ``True`` in ``flags``."""
    edge = np.diff(np.concatenate([[False], flags, [False]]).astype(np.int8))
    return np.flatnonzero(edge == 1), np.flatnonzero(edge == -1)


def token_spans(codes: np.ndarray):
    """Word tokens of an array of code points (see the module's docstring).

    Returns ``(starts, ends, word, plain)``: the tokens' spans in order of
    their starts; ``word``, which code points belong to words of spaced scripts
    (the only ones whose character n-grams are taken); and ``plain``, which
    tokens are such words (``None`` when all are).
    """
    if codes.dtype == np.uint8:
        word = ASCII_WORD[codes]
        starts, ends = runs(word)
        keep = (ends - starts) >= 2
        return starts[keep], ends[keep], word, None
    cls = classes(codes)
    top = int(cls.max()) if len(cls) else OTHER
    if top >= JOINER:
        joiner = cls == JOINER
        if joiner.any():
            before = np.concatenate([[OTHER], cls[:-1]])
            after = np.concatenate([cls[1:], [OTHER]])
            inside = joiner & ~np.isin(before, (OTHER, JOINER)) & ~np.isin(after, (OTHER, JOINER))
            cls[joiner] = np.where(inside[joiner], MARK, OTHER)
    if top < SPACELESS:
        word = cls.view(bool) if top <= WORD else cls != OTHER
        starts, ends = runs(word)
        keep = (ends - starts) >= 2
        return starts[keep], ends[keep], word, None
    spaceless = cls == SPACELESS
    mark = cls == MARK
    if mark.any():
        base = np.maximum.accumulate(np.where(mark, -1, np.arange(len(cls))))
        spaceless |= mark & (base >= 0) & (cls[np.maximum(base, 0)] == SPACELESS)
    word = (cls != OTHER) & ~spaceless
    starts, ends = runs(word)
    keep = (ends - starts) >= 2
    starts, ends = starts[keep], ends[keep]
    seg_start, seg_end = runs(spaceless)
    first = np.flatnonzero(cls == SPACELESS)  # each character (base and marks) starts at its base
    seg = np.searchsorted(seg_start, first, side="right") - 1
    last = np.append(seg[1:] != seg[:-1], True)
    lone = last & np.concatenate([[True], last[:-1]])
    char_end = np.where(last, seg_end[seg], np.append(first[1:], 0))
    pair = np.flatnonzero(~last)  # a character followed by another in its run: a bigram
    all_starts = np.concatenate([starts, first[pair], first[lone]])
    all_ends = np.concatenate([ends, char_end[pair + 1], char_end[lone]])
    plain = np.concatenate([np.ones(len(starts), dtype=bool), np.zeros(len(pair) + int(lone.sum()), dtype=bool)])
    order = np.argsort(all_starts, kind="stable")
    return all_starts[order], all_ends[order], word, plain[order]


def split_prepared(text: str) -> list[str]:
    """The word tokens of a text already :func:`prepare`-d."""
    starts, ends, _, _ = token_spans(encode(text))
    return [text[a:b] for a, b in zip(starts.tolist(), ends.tolist())]


def words(text: str, lowercase: bool = True, strip_arabic_marks: bool = False,
          fold_arabic_letters: bool = False) -> list[str]:
    """The word tokens of ``text``, as the features see them: ``words("पुलिस ने गिरफ्तार किया")`` is
    ``["पुलिस", "ने", "गिरफ्तार", "किया"]``; ``words("警方逮捕")`` is ``["警方", "方逮", "逮捕"]``."""
    return split_prepared(prepare(text, lowercase, strip_arabic_marks, fold_arabic_letters))
