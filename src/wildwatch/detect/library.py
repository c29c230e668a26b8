"""The keyword library: taxa, names, terms, rules, profiles and messages, and its bundle format.

See ``docs/library-format.md``. Loading reads JSON only and never executes code.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from .categories import CATEGORIES, PRODUCTS, TERM_KINDS

FORMAT = "wildwatch-library"
FORMAT_VERSION = 1
STARTER_VERSION = "2026.11.0"

#: bundle path -> source file name in a library directory
CONTENT_FILES: dict[str, str] = {
    "public/taxa.json": "taxa.json",
    "public/names.json": "names.json",
    "library/terms.json": "terms.json",
    "library/rules.json": "rules.json",
    "library/profiles.json": "profiles.json",
    "library/messages.json": "messages.json",
}
#: optional files: absent from old bundles, and left out when empty (so the digests of libraries without them,
#: and the signatures over those digests, are unchanged)
OPTIONAL_FILES: dict[str, str] = {
    "library/campaigns.json": "campaigns.json",
    "library/model.json": "model.json",
}
CAMPAIGNS_FILE = "library/campaigns.json"
#: a learned classifier shipped with the release: ``{"artefact": <wildwatch.model artefact, JSON>, "settings":
#: {"model_may_block": bool, "model_may_clear": bool}}``, covered by the content digest and so by the signature
MODEL_FILE = "library/model.json"
LICENSE_FILE = "public/LICENSE-names.md"
MAX_BUNDLE_BYTES = 256 * 1024 * 1024


class LibraryError(ValueError):
    """A library or bundle that cannot be loaded, with the reason."""


@dataclass(frozen=True, slots=True)
class Taxon:
    id: str
    scientific_name: str
    cites_appendix: str | None
    category: str
    group: str | None = None
    rank: str = "species"
    products: tuple[str, ...] = ()
    synonyms: tuple[str, ...] = ()
    source: str = ""


@dataclass(frozen=True, slots=True)
class Term:
    """A detection term. Common names from the public layer become terms of kind ``name``."""

    id: str
    term: str
    lang: str
    kind: str
    taxon: str | None = None
    group: str | None = None
    product: str | None = None
    category: str | None = None
    ambiguous: bool = False
    context: str | None = None
    tags: tuple[str, ...] = ()
    source: str = ""


@dataclass(frozen=True, slots=True)
class Campaign:
    """An awareness campaign: during its window (``start`` to ``end``, both included), searches intercepted for
    one of its taxa or species groups show its message instead of the library's."""

    slug: str
    start: date
    end: date
    taxa: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()
    #: language -> {"title": ..., "body": ...}; English is always there
    messages: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    learn_more_url: str | None = None

    def active(self, day: date) -> bool:
        return self.start <= day <= self.end

    def matches(self, taxa: frozenset[str] | set[str], groups: frozenset[str] | set[str]) -> bool:
        return not self.taxa.isdisjoint(taxa) or not self.groups.isdisjoint(groups)

    def message(self, lang: str | None) -> tuple[str, Mapping[str, str]]:
        """The language served and the message: the language asked, its base language, or English."""
        if lang:
            code = lang.replace("_", "-").lower()
            for candidate in (code, code.split("-")[0]):
                if candidate in self.messages:
                    return candidate, self.messages[candidate]
        return "en", self.messages.get("en") or {}

    def to_dict(self) -> dict[str, Any]:
        return {
            "slug": self.slug, "start": self.start.isoformat(), "end": self.end.isoformat(),
            "taxa": sorted(self.taxa), "groups": sorted(self.groups),
            "messages": {lang: {"title": m.get("title", ""), "body": m.get("body", "")}
                         for lang, m in sorted(self.messages.items())},
            "learn_more_url": self.learn_more_url,
        }


def campaign_from_dict(raw: Mapping[str, Any]) -> Campaign:
    """A campaign from its JSON form (``library/campaigns.json``), validated."""
    slug = raw["slug"]
    if not isinstance(slug, str) or not slug:
        raise LibraryError("campaign without a slug")
    try:
        start, end = date.fromisoformat(raw["start"]), date.fromisoformat(raw["end"])
    except (TypeError, ValueError) as exc:
        raise LibraryError(f"campaign {slug}: bad date ({exc})") from exc
    if end < start:
        raise LibraryError(f"campaign {slug}: ends before it starts")
    messages = raw.get("messages") or {}
    if not isinstance(messages, Mapping) or "en" not in messages:
        raise LibraryError(f"campaign {slug}: no English message")
    for lang, m in messages.items():
        if not isinstance(m, Mapping) or not isinstance(m.get("title"), str) or not isinstance(m.get("body"), str):
            raise LibraryError(f"campaign {slug}: message {lang!r} needs a title and a body")
    taxa, groups = raw.get("taxa") or [], raw.get("groups") or []
    if not isinstance(taxa, list) or not isinstance(groups, list):
        raise LibraryError(f"campaign {slug}: taxa and groups must be lists")
    return Campaign(
        slug=slug, start=start, end=end, taxa=frozenset(map(str, taxa)), groups=frozenset(map(str, groups)),
        messages={str(lang): {"title": m["title"], "body": m["body"]} for lang, m in messages.items()},
        learn_more_url=raw.get("learn_more_url") or None,
    )


@dataclass(slots=True)
class Library:
    version: str
    taxa: dict[str, Taxon]
    terms: list[Term]
    rules: dict[str, Any] = field(default_factory=dict)
    profiles: dict[str, Any] = field(default_factory=dict)
    messages: dict[str, dict[str, str]] = field(default_factory=dict)
    license_text: str = ""
    campaigns: list[Campaign] = field(default_factory=list)
    #: the release's classifier (see ``MODEL_FILE``), as JSON; None without one
    model: dict[str, Any] | None = None

    @property
    def groups(self) -> dict[str, list[Taxon]]:
        out: dict[str, list[Taxon]] = {}
        for taxon in self.taxa.values():
            if taxon.group:
                out.setdefault(taxon.group, []).append(taxon)
        return out

    # --- serialisation ------------------------------------------------------------------------------------------

    def content(self) -> dict[str, Any]:
        """The JSON documents of the bundle, by bundle path."""
        names = [
            {"id": t.id, "taxon": t.taxon, "lang": t.lang, "name": t.term, "ambiguous": t.ambiguous,
             "source": t.source}
            for t in self.terms
            if t.kind == "name"
        ]
        terms = [_term_dict(t) for t in self.terms if t.kind != "name"]
        out: dict[str, Any] = {
            "public/taxa.json": [_taxon_dict(t) for t in self.taxa.values()],
            "public/names.json": names,
            "library/terms.json": terms,
            "library/rules.json": self.rules,
            "library/profiles.json": self.profiles,
            "library/messages.json": self.messages,
        }
        if self.campaigns:  # left out when empty: the digest of a library without campaigns does not change
            out[CAMPAIGNS_FILE] = [c.to_dict() for c in self.campaigns]
        if self.model:  # likewise
            out[MODEL_FILE] = self.model
        return out

    def digest(self, copy_for: str | None = None) -> str:
        return content_digest(self.content(), {"library_version": self.version, "copy_for": copy_for})

    def to_bundle(self, extra_manifest: Mapping[str, Any] | None = None) -> bytes:
        """Serialise to the zip bundle (deterministic for the same content and manifest)."""
        content = self.content()
        files = {path: "sha256:" + _sha256(canonical_json(doc)) for path, doc in content.items()}
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "library_version": self.version,
            "created": datetime.now(UTC).replace(microsecond=0).isoformat(),
            "content_digest": content_digest(content, {"library_version": self.version,
                                                        **({"copy_for": extra_manifest["copy_for"]}
                                                           if extra_manifest and "copy_for" in extra_manifest else {})}),
            "files": files,
        }
        if extra_manifest:
            manifest.update(extra_manifest)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(_zinfo("manifest.json"), json.dumps(manifest, ensure_ascii=False, indent=1))
            for path, doc in content.items():
                zf.writestr(_zinfo(path), json.dumps(doc, ensure_ascii=False, indent=1))
            if self.license_text:
                zf.writestr(_zinfo(LICENSE_FILE), self.license_text)
        return buf.getvalue()


def _zinfo(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _taxon_dict(t: Taxon) -> dict[str, Any]:
    return {
        "id": t.id, "scientific_name": t.scientific_name, "rank": t.rank, "group": t.group,
        "cites_appendix": t.cites_appendix, "category": t.category, "products": list(t.products),
        "synonyms": list(t.synonyms), "source": t.source,
    }


def _term_dict(t: Term) -> dict[str, Any]:
    return {
        "id": t.id, "term": t.term, "lang": t.lang, "kind": t.kind, "taxon": t.taxon, "group": t.group,
        "product": t.product, "category": t.category, "ambiguous": t.ambiguous, "context": t.context,
        "tags": list(t.tags), "source": t.source,
    }


def canonical_json(doc: Any) -> bytes:
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


#: Manifest fields that the content digest (and so the signature) covers, beside the content files.
BOUND_FIELDS = ("library_version", "copy_for")


def content_digest(content: Mapping[str, Any], bound: Mapping[str, Any] | None = None) -> str:
    """SHA-256 over the canonical JSON of the content files in path order, and over the bound manifest fields
    (the library version, and for an organisation's copy the organisation), so that none can be edited without
    breaking the digest and its signature."""
    h = hashlib.sha256()
    for path in sorted(content):
        h.update(path.encode("utf-8") + b"\0" + canonical_json(content[path]) + b"\0")
    for name in BOUND_FIELDS:
        if bound and bound.get(name) is not None:
            h.update(b"manifest:" + name.encode() + b"\0" + str(bound[name]).encode("utf-8") + b"\0")
    return "sha256:" + h.hexdigest()


# --- loading -----------------------------------------------------------------------------------------------------


def from_documents(docs: Mapping[str, Any], version: str, license_text: str = "") -> Library:
    """Build and validate a Library from the bundle documents (keys are bundle paths)."""
    try:
        taxa: dict[str, Taxon] = {}
        for raw in docs["public/taxa.json"]:
            taxon = Taxon(
                id=raw["id"], scientific_name=raw["scientific_name"], cites_appendix=raw.get("cites_appendix"),
                category=raw["category"], group=raw.get("group"), rank=raw.get("rank") or "species",
                products=tuple(raw.get("products") or ()), synonyms=tuple(raw.get("synonyms") or ()),
                source=raw.get("source") or "",
            )
            if taxon.category not in CATEGORIES:
                raise LibraryError(f"taxon {taxon.id}: unknown category {taxon.category!r}")
            bad = [p for p in taxon.products if p not in PRODUCTS]
            if bad:
                raise LibraryError(f"taxon {taxon.id}: unknown product types {bad}")
            taxa[taxon.id] = taxon
        terms: list[Term] = []
        for n, raw in enumerate(docs["public/names.json"]):
            terms.append(Term(
                id=raw.get("id") or f"n-{raw['taxon']}-{raw['lang']}-{n}", term=raw["name"], lang=raw["lang"],
                kind="name", taxon=raw["taxon"], group=taxa[raw["taxon"]].group if raw["taxon"] in taxa else None,
                ambiguous=bool(raw.get("ambiguous")), source=raw.get("source") or "",
            ))
        for raw in docs["library/terms.json"]:
            term = Term(
                id=raw["id"], term=raw["term"], lang=raw.get("lang") or "und", kind=raw["kind"],
                taxon=raw.get("taxon"), group=raw.get("group"), product=raw.get("product"),
                category=raw.get("category"), ambiguous=bool(raw.get("ambiguous")), context=raw.get("context"),
                tags=tuple(raw.get("tags") or ()), source=raw.get("source") or "",
            )
            if term.kind not in TERM_KINDS:
                raise LibraryError(f"term {term.id}: unknown kind {term.kind!r}")
            terms.append(term)
        for term in terms:
            if term.taxon and term.taxon not in taxa:
                raise LibraryError(f"term {term.id}: unknown taxon {term.taxon!r}")
        raw_campaigns = docs.get(CAMPAIGNS_FILE) or []
        if not isinstance(raw_campaigns, list):
            raise LibraryError(f"{CAMPAIGNS_FILE} must be a list")
        campaigns = [campaign_from_dict(raw) for raw in raw_campaigns]
        if len({c.slug for c in campaigns}) != len(campaigns):
            raise LibraryError(f"{CAMPAIGNS_FILE}: two campaigns have the same slug")
        model = docs.get(MODEL_FILE)
        if model is not None and not (isinstance(model, dict) and isinstance(model.get("artefact"), dict)
                                      and isinstance(model.get("settings", {}), dict)):
            raise LibraryError(f"{MODEL_FILE} must be an object with an 'artefact' object and 'settings'")
    except KeyError as exc:
        raise LibraryError(f"library is missing a required field or file: {exc}") from exc
    except TypeError as exc:
        raise LibraryError(f"library has a malformed entry: {exc}") from exc
    return Library(
        version=version, taxa=taxa, terms=terms, rules=dict(docs.get("library/rules.json") or {}),
        profiles=dict(docs.get("library/profiles.json") or {}),
        messages=dict(docs.get("library/messages.json") or {}), license_text=license_text, campaigns=campaigns,
        model=model,
    )


def load_directory(path: Path, version: str = STARTER_VERSION) -> Library:
    """Load a library from a directory of source files (as in ``wildwatch/data/starter``)."""
    docs: dict[str, Any] = {}
    for bundle_path, name in CONTENT_FILES.items():
        file = path / name
        docs[bundle_path] = json.loads(file.read_text("utf-8")) if file.exists() else (
            {} if name in ("rules.json", "profiles.json", "messages.json") else []
        )
    for bundle_path, name in OPTIONAL_FILES.items():
        file = path / name
        if file.exists():
            docs[bundle_path] = json.loads(file.read_text("utf-8"))
    license_file = path / "LICENSE-names.md"
    license_text = license_file.read_text("utf-8") if license_file.exists() else ""
    return from_documents(docs, version, license_text)


def load_starter() -> Library:
    """The open starter library shipped in the package."""
    root = resources.files("wildwatch") / "data" / "starter"
    return load_directory(Path(str(root)))


def load_bundle(data: bytes) -> tuple[Library, dict[str, Any]]:
    """Load a bundle after checking its format, its per-file digests and its content digest."""
    if len(data) > MAX_BUNDLE_BYTES:
        raise LibraryError("bundle is larger than the 256 MiB limit")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise LibraryError(f"not a library bundle (bad zip): {exc}") from exc
    with zf:
        names = set(zf.namelist())
        allowed = {"manifest.json", LICENSE_FILE, *CONTENT_FILES, *OPTIONAL_FILES}
        unexpected = sorted(names - allowed)
        if unexpected:
            raise LibraryError(f"bundle holds unexpected files: {unexpected}")
        if "manifest.json" not in names:
            raise LibraryError("bundle has no manifest.json")
        try:
            manifest = json.loads(zf.read("manifest.json"))
            docs = {p: json.loads(zf.read(p)) for p in (*CONTENT_FILES, *OPTIONAL_FILES) if p in names}
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise LibraryError(f"bundle holds invalid JSON: {exc}") from exc
        license_text = zf.read(LICENSE_FILE).decode("utf-8") if LICENSE_FILE in names else ""
    if manifest.get("format") != FORMAT:
        raise LibraryError(f"not a wildwatch library (format {manifest.get('format')!r})")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise LibraryError(f"unsupported bundle format version {manifest.get('format_version')!r}")
    missing = [p for p in CONTENT_FILES if p not in docs]
    if missing:
        raise LibraryError(f"bundle is missing {missing}")
    listed = manifest.get("files", {})
    absent = sorted(p for p in OPTIONAL_FILES if p in listed and p not in docs)
    if absent:
        raise LibraryError(f"bundle is missing {absent}: the bundle was altered")
    for path, doc in docs.items():
        expected = listed.get(path)
        if expected != "sha256:" + _sha256(canonical_json(doc)):
            raise LibraryError(f"digest mismatch for {path}: the bundle was altered")
    if manifest.get("content_digest") != content_digest(docs, manifest):
        raise LibraryError("content digest mismatch: the bundle was altered")
    return from_documents(docs, str(manifest.get("library_version", "unknown")), license_text), manifest


def load_path(path: Path) -> Library:
    """Load a bundle file (``.wwlib``/``.zip``) or a library directory."""
    if path.is_dir():
        return load_directory(path)
    return load_bundle(path.read_bytes())[0]
