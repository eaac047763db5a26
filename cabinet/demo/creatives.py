"""Banner creatives drawn with Pillow in the standard IAB sizes."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy.orm import Session

from cabinet.store.models import Creative, Offer

SIZES = [(300, 250), (728, 90), (160, 600), (320, 50)]
PALETTE = {
    "igaming": ((32, 12, 64), (245, 180, 30)),
    "forex": ((8, 40, 70), (60, 200, 140)),
    "ecommerce": ((120, 20, 40), (255, 255, 255)),
}


def draw_banner(offer: Offer, width: int, height: int) -> Image.Image:
    """A banner with the offer's name and a call to action on the vertical's colours."""
    bg, fg = PALETTE.get(offer.vertical, ((40, 40, 40), (255, 255, 255)))
    img = Image.new("RGB", (width, height), bg)
    draw = ImageDraw.Draw(img)
    size = max(10, min(height // 4, width // max(8, len(offer.name))))
    font = ImageFont.load_default(size=size)
    draw.rectangle([2, 2, width - 3, height - 3], outline=fg, width=2)
    draw.text((width // 2, height // 3), offer.name, fill=fg, font=font, anchor="mm")
    cta = ImageFont.load_default(size=max(8, size * 2 // 3))
    draw.text((width // 2, height * 3 // 4), "Join now", fill=fg, font=cta, anchor="mm")
    return img


def make_creatives(session: Session, offers: list[Offer], creatives_dir: Path) -> int:
    """PNG banners for the given offers in every standard size, with their Creative rows."""
    creatives_dir.mkdir(parents=True, exist_ok=True)
    count = 0
    for offer in offers:
        for width, height in SIZES:
            rel = f"offer{offer.id}_{width}x{height}.png"
            path = creatives_dir / rel
            draw_banner(offer, width, height).save(path, format="PNG", optimize=True)
            session.add(
                Creative(
                    offer_id=offer.id,
                    name=f"{offer.name} {width}x{height}",
                    kind="banner",
                    width=width,
                    height=height,
                    locale="en",
                    file_path=rel,
                    mime_type="image/png",
                    size_bytes=path.stat().st_size,
                )
            )
            count += 1
    session.flush()
    return count
