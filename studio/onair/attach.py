"""What every show on air is made of, whoever runs it: sound, overlays and cues, links.

``studio live``, ``studio rehearse`` and a desktop take build a show with these
same functions, so a rehearsal is the live show minus the platforms. They take
typed parameters (the audio choice as the guide writes it, the commerce side,
the show), never a command's ``argparse.Namespace``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from studio.errors import UserError

if TYPE_CHECKING:
    from studio.commerce.side import CommerceSide
    from studio.media.engine import Pipeline
    from studio.show.catalog import Catalog
    from studio.show.cues import CueEngine
    from studio.show.script import Show

log = logging.getLogger(__name__)

AUDIO_CHOICES = "auto, tone, none or mic:NAME"


def attach_audio(pipeline: Pipeline, audio: str, source_has_audio: bool) -> None:
    """The program's sound: ``auto`` (the source's own), ``tone``, ``none`` or ``mic:NAME``."""
    if audio == "auto" or (audio == "tone" and source_has_audio):
        return
    if audio == "none":
        for ring in pipeline.mixer.rings:
            pipeline.mixer.remove(ring)
        return
    if audio == "tone":
        raise UserError("--audio tone needs --source test", "use --source test or --audio none")
    if audio.startswith("mic:"):
        from studio.media.microphone import MicrophoneInput

        for ring in pipeline.mixer.rings:
            pipeline.mixer.remove(ring)
        mic = MicrophoneInput(audio[4:])
        pipeline.mixer.add(mic.ring)
        mic.start()
        return
    raise UserError(f"--audio {audio!r} is not known", f"use {AUDIO_CHOICES}")


def attach_show(
    pipeline: Pipeline,
    show: Show,
    catalog: Catalog,
    *,
    session_id: int | None = None,
    **overlay_kw: Any,
) -> CueEngine:
    """Overlays and cue engine exactly as on air; shared with ``studio rehearse``."""
    from studio.overlays.manager import OverlayManager
    from studio.show.cues import CueEngine

    overlays = OverlayManager.attach(
        pipeline,
        catalog,
        guide=show.guide,
        store=show.store,
        commission_rate=show.commission_rate,
        clock=show.clock,
        **overlay_kw,
    )
    return CueEngine.attach(
        pipeline, show, overlays, session_id=str(session_id) if session_id else None
    )


def take_session_people(commerce: CommerceSide, show: Show, session_id: int) -> None:
    """The lower third names the session's guide and store, not the sample script's."""
    try:
        guide, store = commerce.call(commerce.commerce.session_people(session_id), timeout=10)
    except Exception as exc:  # offline: the script's own names stay
        log.info("session %s names not read (%s); the script's stay", session_id, exc)
        return
    show.guide, show.store = guide or show.guide, store or show.store


def commerce_links(commerce: CommerceSide, show: Show, session_id: int) -> Callable[[str], str]:
    """Make the show's purchase links ahead of time; a SKU without one gets the placeholder."""
    from studio.overlays.links import placeholder_link_for

    skus = sorted({c.product for c in show.cues if c.product})
    core = commerce.commerce
    try:
        commerce.call(core.refresh_catalog(images=False), timeout=15)
    except Exception as exc:  # offline: the cached catalog may still map the SKUs
        log.warning("catalog refresh failed (%s); using the cached one", exc)
    ids = [pid for pid in (core.product_id(s) for s in skus) if pid is not None]
    if ids:
        commerce.call(core.prepare_session(session_id, ids, wait=5.0), timeout=30)
    take_session_people(commerce, show, session_id)
    fallback = placeholder_link_for()

    def link_for(sku: str) -> str:
        url = core.link_for_sku(sku, session_id)
        if url:
            return url
        log.error("no purchase link for %s in session %s: its QR will not sell", sku, session_id)
        return fallback(sku)

    return link_for
