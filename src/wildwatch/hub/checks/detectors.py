"""One Detector per process and per (release, platform profile), rebuilt only when a newer release is published.

The latest release number is looked up at most every ``REFRESH_SECONDS``; until a release exists, the engine's
starter library is used (release number 0).
"""

from __future__ import annotations

import threading
import time

from wildwatch.detect.engine import Detector
from wildwatch.detect.policy import Profile
from wildwatch.hub.accounts.models import Platform
from wildwatch.hub.library.models import Release
from wildwatch.hub.library.services import release_library
from wildwatch.hub.policies.services import current_profile

REFRESH_SECONDS = 5.0

_lock = threading.Lock()
_detectors: dict[tuple[int, str], Detector] = {}
_latest: list[float] = [float("-inf"), 0]  # [checked at (monotonic), latest release number]


def latest_release_number() -> int:
    now = time.monotonic()
    if now - _latest[0] >= REFRESH_SECONDS:
        number = Release.objects.order_by("-number").values_list("number", flat=True).first() or 0
        _latest[0], _latest[1] = now, number
    return int(_latest[1])


def _build(number: int, profile: Profile | None) -> Detector:
    if number == 0:
        return Detector(profile=profile)
    release = Release.objects.get(number=number)
    return Detector(release_library(release), profile=profile)


_profiles: dict[int, tuple[float, Profile | None]] = {}


def profile_of(platform: Platform) -> Profile | None:
    """The platform's approved profile, looked up at most every ``REFRESH_SECONDS`` per process (an approval takes
    effect within that time)."""
    now = time.monotonic()
    cached = _profiles.get(platform.pk)
    if cached is not None and now - cached[0] < REFRESH_SECONDS:
        return cached[1]
    profile = current_profile(platform)
    _profiles[platform.pk] = (now, profile)
    return profile


def detector_for(platform: Platform) -> Detector:
    """The detector of the latest release with the platform's approved policy profile."""
    number = latest_release_number()
    profile = profile_of(platform)
    cache_key = (number, profile.id if profile is not None else "")
    detector = _detectors.get(cache_key)
    if detector is not None:
        return detector
    with _lock:
        detector = _detectors.get(cache_key)
        if detector is None:
            detector = _build(number, profile)
            for old in [k for k in _detectors if k[0] < number]:  # older releases are not used any more
                del _detectors[old]
            _detectors[cache_key] = detector
    return detector


def reset(*, keep_starter: bool = False) -> None:
    """Forget the detectors (but the starter library's, if asked) and the latest release number: for tests, and
    after restoring a database."""
    with _lock:
        for k in [k for k in _detectors if not (keep_starter and k[0] == 0)]:
            del _detectors[k]
        _latest[0], _latest[1] = float("-inf"), 0
        _profiles.clear()
