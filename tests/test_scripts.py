"""Word tokens in every script (classifier.estimators.scripts): per script, a real-looking news sentence and the
exact tokens written down from the Unicode properties of its characters (letters, combining marks and digits
stay together; scripts without spaces give character bigrams); the features and their names built from them;
and where the tokens differ from scikit-learn's ``\\w\\w+`` on purpose."""

from __future__ import annotations

import unicodedata

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from classifier.estimators.features import TextFeatures
from classifier.estimators.scripts import prepare, words


def nfkc(tokens: list[str]) -> list[str]:
    """Tokens are taken after NFKC normalisation, which decomposes a few letters that are excluded from
    composition (Gurmukhi ਸ਼ and ਫ਼, Bengali য়, Devanagari ज़) and puts Arabic marks in canonical order."""
    return [unicodedata.normalize("NFKC", t) for t in tokens]


SENTENCES = {
    # Hindi: vowel signs (ु ि ा) and anusvara (ं) are combining marks, inside their words; the danda is punctuation.
    "hindi": ("पुलिस ने गिरफ्तार किया", ["पुलिस", "ने", "गिरफ्तार", "किया"]),
    "hindi_danda": ("दिल्ली में सेना के जवान तैनात, पुलिस सतर्क।",
                    ["दिल्ली", "में", "सेना", "के", "जवान", "तैनात", "पुलिस", "सतर्क"]),
    "nepali": ("प्रहरीले तीन जनालाई पक्राउ गर्यो", ["प्रहरीले", "तीन", "जनालाई", "पक्राउ", "गर्यो"]),
    # Urdu: ۔ (U+06D4, Arabic full stop) is punctuation.
    "urdu": ("پولیس نے کراچی میں تین مشتبہ افراد کو گرفتار کر لیا۔",
             ["پولیس", "نے", "کراچی", "میں", "تین", "مشتبہ", "افراد", "کو", "گرفتار", "کر", "لیا"]),
    # Punjabi in Gurmukhi: tippi (ੰ), addak (ੱ), nukta (਼) and virama (੍) are combining marks.
    "gurmukhi": ("ਪੁਲਿਸ ਨੇ ਤਿੰਨ ਸ਼ੱਕੀ ਗ੍ਰਿਫ਼ਤਾਰ ਕੀਤੇ।", ["ਪੁਲਿਸ", "ਨੇ", "ਤਿੰਨ", "ਸ਼ੱਕੀ", "ਗ੍ਰਿਫ਼ਤਾਰ", "ਕੀਤੇ"]),
    "shahmukhi": ("پولیس نے لاہور وچ دو بندے پھڑے", ["پولیس", "نے", "لاہور", "وچ", "دو", "بندے", "پھڑے"]),
    "bengali": ("পুলিশ তিনজনকে গ্রেপ্তার করেছে।", ["পুলিশ", "তিনজনকে", "গ্রেপ্তার", "করেছে"]),
    # Vocalised Arabic: fatha, damma, kasra, sukun and shadda (U+064B-U+0652) are combining marks.
    "arabic": ("اعْتَقَلَتِ الشُّرْطَةُ ثَلَاثَةَ مُشْتَبَهٍ بِهِمْ",
               ["اعْتَقَلَتِ", "الشُّرْطَةُ", "ثَلَاثَةَ", "مُشْتَبَهٍ", "بِهِمْ"]),
    "arabic_issue": ("مُحَمَّد الشُّرْطَة", ["مُحَمَّد", "الشُّرْطَة"]),
    "pashto": ("پولیسو په کابل کې درې کسان ونیول", ["پولیسو", "په", "کابل", "کې", "درې", "کسان", "ونیول"]),
    # Persian: the zero-width non-joiner inside می‌دهد is part of the word; the lone و (one letter) is dropped.
    "persian": ("پلیس سه نفر را در تهران دستگیر کرد و تحقیقات ادامه می\u200cدهد.",
                ["پلیس", "سه", "نفر", "را", "در", "تهران", "دستگیر", "کرد", "تحقیقات", "ادامه", "می\u200cدهد"]),
    "tamil": ("காவல்துறை மூன்று பேரை கைது செய்தது", ["காவல்துறை", "மூன்று", "பேரை", "கைது", "செய்தது"]),
    "sinhala": ("පොලිසිය තිදෙනෙකු අත්අඩංගුවට ගත්තේය", ["පොලිසිය", "තිදෙනෙකු", "අත්අඩංගුවට", "ගත්තේය"]),
    # Sinhala ශ්‍රී: sha, al-lakuna, zero-width joiner, ra, ii sign: one word.
    "sinhala_zwj": ("\u0dc1\u0dca\u200d\u0dbb\u0dd3 \u0dbd\u0d82\u0d9a\u0dcf",
                    ["\u0dc1\u0dca\u200d\u0dbb\u0dd3", "\u0dbd\u0d82\u0d9a\u0dcf"]),
    # Korean is written with spaces: whole words, no bigrams.
    "korean": ("경찰이 용의자를 체포했다", ["경찰이", "용의자를", "체포했다"]),
    # Chinese: one run of ideographs becomes its overlapping character bigrams; 。 is punctuation.
    "chinese": ("警方逮捕了三名嫌疑人。", ["警方", "方逮", "逮捕", "捕了", "了三", "三名", "名嫌", "嫌疑", "疑人"]),
    # Digits are not ideographs: 2024 is a word, 年 alone is a one-character token; ， (fullwidth) is punctuation.
    "chinese_mixed": ("2024年，北京", ["2024", "年", "北京"]),
    "japanese": ("警察が容疑者を逮捕した", ["警察", "察が", "が容", "容疑", "疑者", "者を", "を逮", "逮捕", "捕し", "した"]),
    # Thai: a character is a base with its combining vowel signs (ยิ = yo yak + sara i, ปื = po pla + sara ue).
    "thai": ("ทหารยิงปืน", ["ทห", "หา", "าร", "รยิ", "ยิง", "งปื", "ปืน"]),
    "english": ("Police arrested 3 suspects in Quetta's old_town", ["police", "arrested", "suspects", "in", "quetta",
                                                                    "old_town"]),
}


@pytest.mark.parametrize("name", sorted(SENTENCES))
def test_word_tokens_per_script(name):
    sentence, expected = SENTENCES[name]
    assert words(sentence) == nfkc(expected)


def test_letters_excluded_from_composition_give_the_same_tokens_either_way():
    precomposed = "\u0a36\u0a71\u0a15\u0a40"  # ਸ਼ੱਕੀ with ਸ਼ as one code point
    decomposed = "\u0a38\u0a3c\u0a71\u0a15\u0a40"
    assert words(precomposed) == words(decomposed) == [decomposed]


def test_nfkc_folds_compatibility_forms():
    assert words("ＰＯＬＩＣＥ ﬁre ２０２４") == ["police", "fire", "2024"]
    assert words("\ufefb\ufe8e\ufee3") == ["لاام"]  # Arabic presentation forms become letters
    assert prepare("Police", lowercase=True) == "police"


def test_arabic_options_strip_marks_and_fold_letters():
    sentence, _ = SENTENCES["arabic"]
    assert words(sentence, strip_arabic_marks=True) == ["اعتقلت", "الشرطة", "ثلاثة", "مشتبه", "بهم"]
    assert words("الشرطـــة", strip_arabic_marks=True) == ["الشرطة"]  # tatweel
    assert words("علي كتاب", fold_arabic_letters=True) == words("علی کتاب", fold_arabic_letters=True) == ["علی", "کتاب"]
    assert words("علي") != words("علی")  # off by default


def test_the_options_reach_the_features():
    folded = TextFeatures(char_ngrams=None, min_df=1, strip_arabic_marks=True, fold_arabic_letters=True)
    X = folded.fit_transform(["الشُّرْطَةُ علي", "الشرطة علی"])
    assert sorted(folded.get_feature_names_out()) == sorted(["الشرطة", "علی", "الشرطة علی"])
    assert (X[0] != X[1]).nnz == 0


ALL = [sentence for sentence, _ in SENTENCES.values()]


def test_feature_names_are_the_tokens_and_their_pairs():
    features = TextFeatures(word_ngrams=(1, 2), char_ngrams=None, min_df=1).fit(ALL)
    expected = set()
    for sentence in ALL:
        tokens = words(sentence)
        expected |= set(tokens) | {f"{a} {b}" for a, b in zip(tokens, tokens[1:])}
    names = list(features.get_feature_names_out())
    assert sorted(names) == sorted(expected)
    assert "पुलिस ने" in names and "گرفتار کر" in names and "方逮 逮捕" in names


def test_texts_spanning_several_batches_give_the_same_features(monkeypatch):
    from classifier.estimators import ngrams

    texts = ALL * 3
    whole = TextFeatures(char_ngrams=(2, 4), prefix=3, min_df=1)
    X = whole.fit_transform(texts)
    monkeypatch.setattr(ngrams, "BATCH_CHARS", 60)
    split = TextFeatures(char_ngrams=(2, 4), prefix=3, min_df=1)
    Y = split.fit_transform(texts)
    names = list(zip(whole.get_feature_names_out(), whole.get_feature_kinds_out()))
    split_names = list(zip(split.get_feature_names_out(), split.get_feature_kinds_out()))
    assert sorted(names) == sorted(split_names)
    order = [split_names.index(name) for name in names]  # column order follows first occurrence per batch
    assert (X != Y[:, order]).nnz == 0
    assert (whole.transform(texts[::-1]) != split.transform(texts[::-1])[:, order]).nnz == 0


def test_character_ngrams_come_from_words_of_spaced_scripts_only():
    features = TextFeatures(word_ngrams=(1, 1), char_ngrams=(4, 4), min_df=1).fit(["पुलिस 警方逮捕 police"])
    names = dict(zip(features.get_feature_names_out(), features.get_feature_kinds_out()))
    chars = sorted(n for n, kind in names.items() if kind == "char")
    assert "<पुल" in chars and "लिस>" in chars and "<pol" in chars
    assert not any(c in name for name in chars for c in "警方逮捕")
    assert names["方逮"] == "word"


def test_gurmukhi_trains():
    texts = ["ਪੁਲਿਸ ਨੇ ਤਿੰਨ ਸ਼ੱਕੀ ਗ੍ਰਿਫ਼ਤਾਰ ਕੀਤੇ", "ਫੌਜ ਨੇ ਸਰਹੱਦ ਤੇ ਗਸ਼ਤ ਵਧਾਈ", "ਪੁਲਿਸ ਨੇ ਛਾਪਾ ਮਾਰਿਆ"]
    features = TextFeatures(min_df=2, char_ngrams=None).fit(texts)
    assert set(features.get_feature_names_out()) == {"ਪੁਲਿਸ", "ਨੇ", "ਪੁਲਿਸ ਨੇ"}


# ---- the documented difference from scikit-learn -----------------------------------------------------------

def test_scikit_learn_breaks_these_scripts_and_these_features_do_not():
    """scikit-learn's default ``\\b\\w\\w+\\b`` cuts words at combining marks (Devanagari, Gurmukhi, Bengali,
    Tamil, Sinhala vowel signs, Arabic harakat) and keeps a run of ideographs as one token; ours does not."""
    sk = TfidfVectorizer().build_analyzer()
    for name in ("hindi", "gurmukhi", "bengali", "arabic", "tamil", "sinhala", "chinese", "thai"):
        sentence, expected = SENTENCES[name]
        assert sk(sentence) != nfkc(expected), name
        assert words(sentence) == nfkc(expected), name
    assert sk("पुलिस ने गिरफ्तार किया") == ["रफ"]  # what scikit-learn keeps of it
    assert sk("警方逮捕了三名嫌疑人。") == ["警方逮捕了三名嫌疑人"]


def test_non_ascii_words_outside_those_scripts_that_differ_from_scikit_learn():
    """NFKC and combining marks change a few tokens of other scripts too; the rest (und so on) are the same."""
    sk = TfidfVectorizer().build_analyzer()
    assert words("İstanbul") == ["i\u0307stanbul"] and sk("İstanbul") == ["stanbul"]  # lower-case İ: i + dot above
    assert words("Ⅻ 𝔘nicode") == ["xii", "unicode"] and sk("Ⅻ 𝔘nicode") == ["𝔘nicode"]
    same = "über naïve ministère ΣΟΦΙΑ 日本 a1 _id co-op"
    assert words(same) == sk(same)


def test_ascii_text_takes_the_uint8_path():
    from classifier.estimators.scripts import encode

    assert encode(prepare("Police arrested", True)).dtype == np.uint8
    assert encode(prepare("पुलिस", True)).dtype == np.uint32
