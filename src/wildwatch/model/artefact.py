"""The model artefact: data, never code. JSON (optionally gzip-compressed), validated field by field when loaded.

Loading a downloaded artefact cannot run code: there is no pickle, no joblib, nothing but numbers and strings. The
scorer needs numpy alone (scikit-learn is for training only). The format (version 1)::

    {"format": "wildwatch-model", "format_version": 1, "name": "baseline-v1", "kind": "char-tfidf-logistic",
     "created": "2026-11-30T08:00:00Z", "wildwatch_version": "0.1.0",
     "features": {"analyzer": "char_wb", "ngram_range": [3, 5], "max_chars": 256, "text": "normalised",
                  "norm": "occurrence", "vocabulary": ["ivo", ...], "idf": [3.2, ...]},
     "linear": {"coef": [0.4, ...], "intercept": -1.2},
     "calibration": {"method": "platt", "a": 1.7, "b": -0.3},
     "thresholds": {"review": 0.55, "block": 0.98, "clear": 0.04},
     "training": {"files": [{"name": "labelled.csv", "rows": 1000, "positives": 120}], ...},
     "metrics": {...},
     "digest": "sha256:<hex of the canonical JSON of everything but the digest>"}

The probability of a listing is ``1 / (1 + exp(-(a * m + b)))`` where ``m = x · coef + intercept`` and ``x`` is the
listing's feature row (:mod:`wildwatch.model.features`) of its normalised text.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..detect.normalize import normalize_batch
from .combine import Thresholds
from .features import CharNgramTfidf, FeatureError

FORMAT = "wildwatch-model"
FORMAT_VERSION = 1
KIND = "char-tfidf-logistic"
#: a decompressed artefact larger than this is refused (a 100,000-feature model is about 5 MB)
MAX_BYTES = 256 << 20


class ModelError(ValueError):
    """A model artefact that cannot be loaded: malformed, of another format or version, or altered."""


@dataclass
class Model:
    """A trained baseline classifier: TF-IDF of character n-grams of the normalised text, a linear model, Platt
    calibration. Build it with :func:`wildwatch.model.train.train` or :func:`load_model`."""

    name: str
    vocabulary: list[str]
    idf: np.ndarray
    coef: np.ndarray
    intercept: float
    calibration: tuple[float, float]
    thresholds: Thresholds
    ngram_range: tuple[int, int] = (3, 5)
    max_chars: int | None = 256
    training: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    created: str = ""
    wildwatch_version: str = ""
    _features: CharNgramTfidf | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def features(self) -> CharNgramTfidf:
        if self._features is None:
            try:
                f = CharNgramTfidf(self.vocabulary, self.idf, self.ngram_range, self.max_chars)
                f.bind(self.coef)
            except FeatureError as exc:
                raise ModelError(f"model {self.name}: {exc}") from exc
            self._features = f
        return self._features

    def margins_normalized(self, texts: Sequence[str]) -> np.ndarray:
        """The linear model's decision values for texts already normalised by the engine."""
        return self.features.linear(texts) + self.intercept

    def score_normalized(self, texts: Sequence[str]) -> np.ndarray:
        """Calibrated probabilities for texts already normalised by the engine (one vectorised pass)."""
        a, b = self.calibration
        return _sigmoid(a * self.margins_normalized(texts) + b)

    def score(self, texts: Sequence[str]) -> np.ndarray:
        """Calibrated probabilities for raw listing texts (normalised here with the engine's normaliser)."""
        return self.score_normalized(normalize_batch(list(texts)) if texts else [])

    # --- the artefact ------------------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "format": FORMAT, "format_version": FORMAT_VERSION, "name": self.name, "kind": KIND,
            "created": self.created, "wildwatch_version": self.wildwatch_version,
            "features": {
                "analyzer": "char_wb", "ngram_range": list(self.ngram_range), "max_chars": self.max_chars,
                "text": "normalised", "norm": "occurrence",
                "vocabulary": list(self.vocabulary), "idf": [float(x) for x in self.idf],
            },
            "linear": {"coef": [float(x) for x in self.coef], "intercept": float(self.intercept)},
            "calibration": {"method": "platt", "a": float(self.calibration[0]), "b": float(self.calibration[1])},
            "thresholds": {"review": self.thresholds.review, "block": self.thresholds.block,
                           "clear": self.thresholds.clear},
            "training": self.training, "metrics": self.metrics,
        }
        body["digest"] = digest_of(body)
        return body

    @property
    def digest(self) -> str:
        return str(self.to_dict()["digest"])

    def to_bytes(self, compress: bool = True) -> bytes:
        data = json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return gzip.compress(data, mtime=0) if compress else data

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.write_bytes(self.to_bytes(compress=path.suffix == ".gz"))
        return path


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(z, -500, 500))))


def digest_of(body: Mapping[str, Any]) -> str:
    canon = json.dumps({k: v for k, v in body.items() if k != "digest"}, ensure_ascii=False, sort_keys=True,
                       separators=(",", ":"), allow_nan=False)
    return "sha256:" + hashlib.sha256(canon.encode("utf-8")).hexdigest()


def load_model(source: str | Path | bytes) -> Model:
    """Load and validate an artefact (a path, or its bytes; gzip-compressed or plain JSON)."""
    if isinstance(source, bytes):
        data, where = source, "model artefact"
    else:
        try:
            data = Path(source).read_bytes()
        except OSError as exc:
            raise ModelError(f"cannot read model {source}: {exc}") from exc
        where = str(source)
    if data[:2] == b"\x1f\x8b":
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(data)) as f:
                data = f.read(MAX_BYTES + 1)
        except (OSError, EOFError) as exc:
            raise ModelError(f"{where}: not a valid gzip file: {exc}") from exc
    if len(data) > MAX_BYTES:
        raise ModelError(f"{where}: larger than {MAX_BYTES >> 20} MB")
    try:
        body = json.loads(data.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, json.JSONDecodeError, ValueError) as exc:
        raise ModelError(f"{where}: not a JSON model artefact: {exc}") from exc
    return model_from_dict(body, where)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def model_from_dict(body: Any, where: str = "model artefact") -> Model:
    def fail(msg: str) -> ModelError:
        return ModelError(f"{where}: {msg}")

    if not isinstance(body, dict):
        raise fail("the artefact is not a JSON object")
    if body.get("format") != FORMAT:
        raise fail(f"not a wildwatch model (format {body.get('format')!r}, expected {FORMAT!r})")
    version = body.get("format_version")
    if version != FORMAT_VERSION:
        raise fail(f"format version {version!r} is not supported (this wildwatch reads version {FORMAT_VERSION})")
    if body.get("kind") != KIND:
        raise fail(f"model kind {body.get('kind')!r} is not supported (expected {KIND!r})")
    digest = body.get("digest")
    if not isinstance(digest, str) or digest != digest_of(body):
        raise fail("the content digest does not match: the artefact is altered or truncated")
    name = _get(body, "name", str, fail)
    feats = _get(body, "features", dict, fail)
    if feats.get("analyzer") != "char_wb" or feats.get("text") != "normalised" or feats.get("norm") != "occurrence":
        raise fail("features: only char_wb n-grams of the normalised text with the occurrence norm are supported")
    ngram = feats.get("ngram_range")
    if not (isinstance(ngram, list) and len(ngram) == 2 and all(type(n) is int for n in ngram)):
        raise fail("features.ngram_range must be two integers")
    max_chars = feats.get("max_chars")
    if max_chars is not None and (type(max_chars) is not int or max_chars < 1):
        raise fail("features.max_chars must be a positive integer or null")
    vocabulary = _get(feats, "vocabulary", list, fail, "features.")
    if not all(isinstance(g, str) and g for g in vocabulary):
        raise fail("features.vocabulary must be a list of non-empty strings")
    idf = _numbers(feats.get("idf"), "features.idf", len(vocabulary), fail)
    linear = _get(body, "linear", dict, fail)
    coef = _numbers(linear.get("coef"), "linear.coef", len(vocabulary), fail)
    intercept = _number(linear.get("intercept"), "linear.intercept", fail)
    cal = _get(body, "calibration", dict, fail)
    if cal.get("method") != "platt":
        raise fail(f"calibration method {cal.get('method')!r} is not supported (expected 'platt')")
    a, b = _number(cal.get("a"), "calibration.a", fail), _number(cal.get("b"), "calibration.b", fail)
    th = _get(body, "thresholds", dict, fail)
    thresholds = Thresholds(review=_number(th.get("review"), "thresholds.review", fail),
                            block=_number(th.get("block"), "thresholds.block", fail),
                            clear=_number(th.get("clear"), "thresholds.clear", fail))
    if not 0.0 < thresholds.review <= 1.0:
        raise fail("thresholds.review must be in (0, 1]")
    model = Model(name=name, vocabulary=vocabulary, idf=idf, coef=coef, intercept=intercept, calibration=(a, b),
                  thresholds=thresholds, ngram_range=(ngram[0], ngram[1]), max_chars=max_chars,
                  training=body.get("training") or {}, metrics=body.get("metrics") or {},
                  created=str(body.get("created") or ""), wildwatch_version=str(body.get("wildwatch_version") or ""))
    model.features  # noqa: B018  (compiles the vocabulary now, so that a bad one fails at load)
    return model


def _get(obj: dict[str, Any], key: str, kind: type, fail: Any, prefix: str = "") -> Any:
    value = obj.get(key)
    if not isinstance(value, kind) or (kind is str and not value):
        raise fail(f"{prefix}{key} is missing or not a {kind.__name__}")
    return value


def _number(value: Any, what: str, fail: Any) -> float:
    if type(value) not in (int, float) or not math.isfinite(value):
        raise fail(f"{what} must be a finite number")
    return float(value)


def _numbers(values: Any, what: str, length: int, fail: Any) -> np.ndarray:
    if not isinstance(values, list):
        raise fail(f"{what} must be a list of numbers")
    if len(values) != length:
        raise fail(f"{what} has {len(values)} values for {length} n-grams")
    if not all(type(v) in (int, float) for v in values):
        raise fail(f"{what} must hold numbers only")
    arr = np.asarray(values, dtype=np.float64)
    if not np.isfinite(arr).all():
        raise fail(f"{what} must hold finite numbers")
    return arr
