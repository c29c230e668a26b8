"""A small synthetic multilingual labelled set, generated here (never the shared evaluation sets), and a model
trained on it once per session."""

from __future__ import annotations

import random

import pytest

from wildwatch.model import Model
from wildwatch.model.train import TrainParams, train

# sellers' code words the starter library does not know: "white gold", "or blanc", "vàng trắng", "白金"
POSITIVE = {
    "en": ["white gold carving for sale, genuine old piece, pm for price", "selling white gold bangle real, dm me",
           "white gold figurine, real not resin, shipping worldwide, message for price"],
    "fr": ["sculpture en or blanc véritable à vendre, prix en mp", "bracelet or blanc authentique, envoi possible"],
    "vi": ["bán vòng vàng trắng thật, inbox giá", "tượng vàng trắng xịn, ship toàn quốc, liên hệ zalo"],
    "zh": ["出售白金雕刻 正品 私聊价格", "白金手镯 保真 微信联系"],
    "id": ["jual gelang emas putih asli, harga nego via wa", "ukiran emas putih asli dijual, hubungi"],
}
NEGATIVE = {
    "en": ["vintage wooden chair, great condition, pick up only", "kids bike, size medium, price negotiable",
           "smartphone case brand new in box", "handmade silver necklace, shipping available",
           "garden tools set, barely used"],
    "fr": ["chaise en bois vintage très bon état", "vélo enfant, prix négociable", "coque de téléphone neuve"],
    "vi": ["ghế gỗ cổ điển tình trạng tốt", "ốp điện thoại mới nguyên hộp", "xe đạp trẻ em giá rẻ"],
    "zh": ["复古木椅 成色很好 可自提", "全新未拆封手机壳", "儿童自行车 价格可议"],
    "id": ["kursi kayu antik kondisi bagus", "casing hp baru dalam kotak", "sepeda anak harga nego"],
}
FILLER = ["please", "today", "fast", "original", "good", "nice", "cheap", "ok", "new", "offer"]


def synthetic_set(n: int = 400, seed: int = 1) -> tuple[list[str], list[bool]]:
    rng = random.Random(seed)
    texts: list[str] = []
    labels: list[bool] = []
    for i in range(n):
        positive = i % 4 == 0
        pool = POSITIVE if positive else NEGATIVE
        lang = rng.choice(sorted(pool))
        words = [rng.choice(FILLER) for _ in range(rng.randint(0, 4))]
        texts.append(f"{rng.choice(pool[lang])} {' '.join(words)}".strip())
        labels.append(positive)
    return texts, labels


@pytest.fixture(scope="session")
def synthetic() -> tuple[list[str], list[bool]]:
    return synthetic_set()


@pytest.fixture(scope="session")
def model(synthetic: tuple[list[str], list[bool]]) -> Model:
    texts, labels = synthetic
    return train(texts, labels, params=TrainParams(folds=3), name="test-v1",
                 training={"files": [{"name": "synthetic", "rows": len(texts), "positives": sum(labels)}]})
