"""The numpy scorer computes scikit-learn's char_wb TF-IDF (then the occurrence norm) and the same scores."""

from __future__ import annotations

import random

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from wildwatch.detect.normalize import normalize_batch
from wildwatch.model import Model
from wildwatch.model.features import CharNgramTfidf, FeatureError, occurrence_norm
from wildwatch.model.train import sklearn_margins

ALPHABET = "abcdefghij klmn  象牙犀牛角 ngà voi ивори x\t\n"


def _random_texts(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    texts = ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 80))) for _ in range(n)]
    return [*texts, "", " ", "a", "ab c", "a b c d e f", "  x  ", "象"]


@pytest.mark.parametrize("ngram_range", [(2, 5), (3, 5), (4, 6), (2, 2)])
@pytest.mark.parametrize("normalised", [False, True])
def test_transform_equals_sklearn(ngram_range: tuple[int, int], normalised: bool) -> None:
    texts = _random_texts(300, seed=ngram_range[0] * 10 + ngram_range[1])
    if normalised:
        texts = normalize_batch(texts)
    vec = TfidfVectorizer(analyzer="char_wb", ngram_range=ngram_range, lowercase=False, min_df=2, norm=None)
    raw = vec.fit_transform(texts)
    norm = occurrence_norm(raw, vec.idf_)
    want = sp.diags(1 / np.where(norm > 0, norm, 1)) @ raw
    ours = CharNgramTfidf(vec.get_feature_names_out().tolist(), vec.idf_, ngram_range)
    data, indices, indptr, shape = ours.transform(texts)
    got = sp.csr_matrix((data, indices, indptr), shape=shape)
    assert abs(want - got).max() < 1e-12
    weights = np.random.default_rng(0).normal(size=len(ours))
    ours.bind(weights)
    assert np.abs(want @ weights - ours.linear(texts)).max() < 1e-9


def test_model_scores_equal_sklearn(model: Model, synthetic: tuple[list[str], list[bool]]) -> None:
    texts = [*synthetic[0][:100], "Ngà voi chạm khắc, bán gấp", "象牙手镯 出售", "", "x" * 2000]
    ours = model.margins_normalized([t[: model.max_chars] for t in normalize_batch(texts)])
    assert np.abs(ours - sklearn_margins(model, texts)).max() < 1e-9


def test_batch_equals_one_by_one(model: Model, synthetic: tuple[list[str], list[bool]]) -> None:
    texts = synthetic[0][:50]
    batch = model.score(texts)
    single = np.array([model.score([t])[0] for t in texts])
    assert np.abs(batch - single).max() < 1e-12


def test_bad_vocabulary_refused() -> None:
    with pytest.raises(FeatureError, match="twice"):
        CharNgramTfidf(["abc", "abc"], np.ones(2), (3, 5))
    with pytest.raises(FeatureError, match="outside"):
        CharNgramTfidf(["abcdefg"], np.ones(1), (3, 5))
    with pytest.raises(FeatureError, match="idf"):
        CharNgramTfidf(["abc"], np.ones(2), (3, 5))
    with pytest.raises(FeatureError, match="range"):
        CharNgramTfidf(["abc"], np.ones(1), (1, 5))


def test_large_alphabets_are_limited_for_exact_keys() -> None:
    from wildwatch.model.train import limit_alphabet

    cjk = [chr(0x4E00 + i) for i in range(5000)]
    vocabulary = [a + b + c for a, b, c in zip(cjk, cjk[1:], cjk[2:], strict=False)]
    with pytest.raises(FeatureError, match="too many"):
        CharNgramTfidf(vocabulary, np.ones(len(vocabulary)), (3, 5))
    kept = limit_alphabet(vocabulary, 5)
    assert kept is not None and 0 < len(kept) < len(vocabulary)
    assert len(CharNgramTfidf(kept, np.ones(len(kept)), (3, 5))) == len(kept)
    assert limit_alphabet(["abc", " ab "], 5) is None
