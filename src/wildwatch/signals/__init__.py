"""Cross-platform signals: hashes of removed images, texts and seller contacts, and the matching of listings.

When a member platform removes a trafficker's listing, the coalition shares what identifies it, so that the next
platform recognises the same pictures, the same text and the same seller:

* `images`: PDQ perceptual hashes (and SHA-256) of images, decoded safely; `pdq_index`: exact range search over
  10^6 PDQ hashes (multi-index hashing);
* `texts`: MinHash fingerprints of the normalised text and an LSH index for near-duplicates;
* `contacts`: phone numbers, e-mails, messaging and payment handles, normalised (the hub hashes them with its key);
* `bank`: `SignalBank`, the in-memory set of signals a listing is matched against, in the hub and in the SDK.

Pure Python, numpy, Pillow, pdqhash and datasketch; never Django. See ``docs/architecture.md`` ("Signal matching").
"""

from __future__ import annotations

from .bank import SIGNAL_KINDS, SignalBank, SignalEntry, SignalKind, SignalMatch
from .contacts import contact_value, contact_values
from .images import MIN_QUALITY, PDQ_RADIUS, ImageError, ImageHash, hamming, hash_image, pdq_from_hex, pdq_to_hex
from .pdq_index import PdqIndex
from .texts import TEXT_THRESHOLD, TextFingerprint, TextIndex, text_fingerprint

__all__ = [
    "MIN_QUALITY",
    "PDQ_RADIUS",
    "SIGNAL_KINDS",
    "TEXT_THRESHOLD",
    "ImageError",
    "ImageHash",
    "PdqIndex",
    "SignalBank",
    "SignalEntry",
    "SignalKind",
    "SignalMatch",
    "TextFingerprint",
    "TextIndex",
    "contact_value",
    "contact_values",
    "hamming",
    "hash_image",
    "pdq_from_hex",
    "pdq_to_hex",
    "text_fingerprint",
]
