"""Demo signals: the four demo member companies share signals, and DemoMarket and DemoSocial have shared what they
removed from three traffickers (listing texts, seller contacts and a product photo), so that a check on another
member's platform shows a ``shared_signal`` hit. Idempotent."""

from __future__ import annotations

import base64
import io
import random

from PIL import Image, ImageDraw

from wildwatch.hub.accounts.models import Organisation

from . import content, services
from .models import Sharing

SHARING = ("demo-market", "demo-social", "demo-classifieds", "demo-asia")
#: (company, category, listing text, seller contacts, with a photo)
REMOVALS = [
    ("demo-market", "prohibited",
     "Genuine rhino horn bracelet carved by hand, very old family piece, price negotiable, shipping worldwide "
     "from Hanoi, contact me on WhatsApp for more photos and the certificate", ["+84 912 345 678"], True),
    ("demo-social", "prohibited",
     "Pangolin scales for traditional medicine, 5 kg available, clean and dried, wholesale price for serious "
     "buyers only, message me on WeChat tusk88 or Telegram @scales_trader", ["wechat: tusk88", "@scales_trader"],
     False),
    ("demo-market", "restricted",
     "Baby African grey parrots hand reared, talking already, with cage and food, delivery possible in the whole "
     "country, pay by PayPal paypal.me/greybirds, serious buyers please", ["paypal.me/greybirds"], False),
]


def _photo(seed: int) -> bytes:
    rng = random.Random(seed)  # noqa: S311 (demo data, not a secret)
    image = Image.new("RGB", (480, 360))
    draw = ImageDraw.Draw(image)
    for y in range(360):
        draw.line([(0, y), (480, y)], fill=(rng.randint(0, 60) + y // 3, 80, 200 - y // 3))
    for _ in range(12):
        x, y = rng.randint(0, 420), rng.randint(0, 300)
        draw.ellipse([x, y, x + rng.randint(20, 120), y + rng.randint(20, 120)],
                     fill=(rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255)))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def load_demo_signals() -> int:
    """Turn sharing on for the demo companies and share the demo removals; returns the signals made (0 if done)."""
    companies = {o.slug: o for o in Organisation.objects.filter(slug__in=SHARING, kind="member")}
    if not companies or Sharing.objects.filter(organisation__in=companies.values(), enabled=True).exists():
        return 0
    for org in companies.values():
        services.set_sharing(org, True)
    made = 0
    for n, (slug, category, text, contacts, with_photo) in enumerate(REMOVALS):
        owner = companies.get(slug)
        platform = owner.platforms.first() if owner else None
        if owner is None or platform is None:
            continue
        images = [base64.b64encode(_photo(n)).decode("ascii")] if with_photo else []
        found = content.build(platform, images=images, text=text, contacts=contacts)
        made += len(services.contribute(owner, found.content, category=category, platform=platform, source="api",
                                        item_id=f"demo-removal-{n + 1}"))
    return made
