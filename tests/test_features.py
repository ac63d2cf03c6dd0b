"""The NumPy TF-IDF features: the same matrix as scikit-learn's TfidfVectorizer, and named features."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import TfidfVectorizer

from classifier.estimators.features import TextFeatures

# ASCII words, and non-ASCII words that both tokenise alike; "İstanbul", "Ⅻ" and "𝔘nicode", which NFKC and
# combining marks tokenise differently on purpose, are in tests/test_scripts.py.
WORDS = ["police", "Police", "arrest", "ARRESTED", "quetta", "budget", "über", "naïve", "ministère", "日本",
         "ΣΟΦΙΑ", "x", "a1", "_id", "😀", "42", "co-op", "e-mail", "\x00"]
SEPARATORS = [" ", "  ", ", ", ". ", "\n", "\t", "-", "'", " (", ") "]


def same_matrix(ours: TextFeatures, sk: TfidfVectorizer, fit_texts, new_texts) -> None:
    X = ours.fit_transform(fit_texts)
    Y = sk.fit_transform(fit_texts)
    ours_names = list(ours.get_feature_names_out())
    sk_names = list(sk.get_feature_names_out())
    assert sorted(ours_names) == sorted(sk_names)
    order = [ours_names.index(name) for name in sk_names]
    np.testing.assert_allclose(X[:, order].toarray(), Y.toarray(), atol=1e-6)
    np.testing.assert_allclose(ours.transform(new_texts)[:, order].toarray(), sk.transform(new_texts).toarray(),
                               atol=1e-6)


texts = st.lists(
    st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(SEPARATORS)), min_size=1, max_size=12)
    .map(lambda pairs: "".join(w + s for w, s in pairs)),
    min_size=2, max_size=12,
)


@settings(max_examples=80, deadline=None)
@given(fit_texts=texts, new_texts=texts)
def test_word_ngrams_match_scikit_learn(fit_texts, new_texts):
    fit_texts = [t.replace("\x00", " ") for t in fit_texts]
    new_texts = [t.replace("\x00", " ") for t in new_texts]
    if not any(len(tok) > 1 for t in fit_texts for tok in TfidfVectorizer().build_analyzer()(t)):
        return
    same_matrix(TextFeatures(word_ngrams=(1, 2), char_ngrams=None, min_df=1),
                TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1, dtype=np.float32),
                fit_texts, new_texts)


def test_min_df_prunes_like_scikit_learn():
    fit_texts = ["police arrest suspects", "police raid office", "budget vote today", "budget police"] * 2 + ["rare"]
    same_matrix(TextFeatures(word_ngrams=(1, 2), char_ngrams=None, min_df=2),
                TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2, dtype=np.float32),
                fit_texts, ["police budget rare", "nothing known here"])


def test_texts_spanning_several_batches(monkeypatch):
    from classifier.estimators import ngrams

    monkeypatch.setattr(ngrams, "BATCH_CHARS", 40)
    fit_texts = [f"report number {i} from the police in district {i % 7}" for i in range(50)]
    same_matrix(TextFeatures(word_ngrams=(1, 2), char_ngrams=None, min_df=1),
                TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1, dtype=np.float32),
                fit_texts, fit_texts[::-1])


def test_char_ngrams_and_prefixes_are_named_and_kinded():
    features = TextFeatures(word_ngrams=(1, 1), char_ngrams=(3, 4), prefix=4, min_df=1)
    features.fit(["Police arrested", "police"])
    names = dict(zip(features.get_feature_names_out(), features.get_feature_kinds_out()))
    assert names["police"] == "word"
    assert names["<po"] == "char" and names["ice>"] == "char" and names["rres"] == "char"
    assert names["poli*"] == "prefix" and names["arre*"] == "prefix"
    assert all(kind in ("word", "char", "prefix") for kind in names.values())


def test_auto_char_ngrams_follow_text_length():
    short = TextFeatures(char_ngrams="auto", min_df=1).fit(["police arrest three suspects"] * 3)
    long = TextFeatures(char_ngrams="auto", min_df=1).fit([" ".join(["word"] * 300)] * 3)
    assert short.char_ngrams_ == (4, 4)
    assert long.char_ngrams_ is None


def test_pickled_features_transform_the_same(tmp_path):
    features = TextFeatures(char_ngrams=(3, 5), min_df=1)
    X = features.fit_transform(["Interpol red notice issued", "Defence budget raised"])
    again = pickle.loads(pickle.dumps(features))
    assert (again.transform(["Interpol budget"]) != features.transform(["Interpol budget"])).nnz == 0
    assert list(again.get_feature_names_out()) == list(features.get_feature_names_out())
    assert X.shape[1] == len(features.get_feature_names_out())


def test_no_terms_left_is_an_error():
    with pytest.raises(ValueError, match="no terms remain"):
        TextFeatures(min_df=5).fit(["one two", "three four"])


def test_empty_and_odd_texts_transform_to_empty_rows():
    features = TextFeatures(char_ngrams=None, min_df=1).fit(["police arrest", "budget vote"])
    X = features.transform(["", "   ", "?!", "police"])
    assert X.shape == (4, len(features.get_feature_names_out()))
    assert X[:3].nnz == 0 and X[3].nnz == 1
