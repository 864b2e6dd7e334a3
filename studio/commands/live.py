"""``studio live``: run a show headless, from a source to RTMP outputs and/or a recording."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from studio import upload_budget
from studio.commands import _costream
from studio.commerce.side import PASSWORD_ENV, TOKEN_ENV, CommerceSide, add_backend_arguments
from studio.config import Profile, load_profile, parse_bitrate, parse_fps, parse_size
from studio.errors import UserError
from studio.gc_pauses import freeze_long_lived
from studio.media.encoder import _HW_BY_NAME as HW_ENCODERS
from studio.media.engine import Pipeline
from studio.media.outputs.recorder import check_writable, unique_path
from studio.media.outputs.rtmp import CA_FILE_ENV, RtmpOutput
from studio.media.playback import RingPlayer
from studio.media.sources import SPEC_HELP, check_push_url, open_source
from studio.media.sources.base import Source
from studio.media.stats import JsonLinesWriter
from studio.onair import attach_audio, attach_show, commerce_links
from studio.platforms import Platform, names, platform
from studio.redact import mask_url

log = logging.getLogger(__name__)

HELP = "go live headless: a source, one encode, RTMP outputs and a crash-safe recording"
ENV_HELP = (
    f"environment: {PASSWORD_ENV} = the password of --backend-user; {TOKEN_ENV} = a backend "
    f"token instead; {CA_FILE_ENV} = a CA certificate to trust for rtmps:// (as --ca-file)"
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--source", default="test", help=f"what to show ({SPEC_HELP}); default: test")
    p.add_argument(
        "--audio",
        default="auto",
        help="auto (the source's own sound), tone, none (silence) or mic:NAME",
    )
    p.add_argument(
        "--output",
        action="append",
        default=[],
        metavar="RTMP_URL",
        help="rtmp://host/app/streamkey; repeat for several platforms",
    )
    p.add_argument("--record", type=Path, metavar="FILE.mkv", help="also record to this file")
    p.add_argument(
        "--platform",
        metavar="NAME",
        help="preset for the platform pushed to: its size, fps, bitrate, keyframe interval "
        f"and safe area, unless given here ({names()})",
    )
    p.add_argument(
        "--ca-file",
        type=Path,
        metavar="CA.pem",
        help="also trust this CA certificate for rtmps:// (a server of your own)",
    )
    p.add_argument("--size", help="output size, e.g. 1280x720 (default from the profile)")
    p.add_argument("--fps", help="frames per second (default from the profile)")
    p.add_argument("--bitrate", help="video bitrate, e.g. 2500k")
    p.add_argument(
        "--encoder",
        choices=["auto", "x264", "nvenc", "qsv", "videotoolbox", "amf"],
        help="video encoder (auto tries hardware, then x264)",
    )
    p.add_argument("--preset", help="x264 preset (default veryfast)")
    p.add_argument("--duration", type=float, help="stop after this many seconds")
    p.add_argument("--stats-file", type=Path, help="append one JSON line of stats per second")
    p.add_argument("--show", type=Path, metavar="FILE.toml", help="run this show script's cues")
    p.add_argument("--catalog", default="demo", help="products for --show: 'demo' or a JSON file")
    add_backend_arguments(p)  # --backend URL --session ID: the commerce side (docs/commerce.md)
    _costream.add_arguments(p)  # --costream / --join URL: 连麦 (docs/costream-studio.md)
    p.epilog = ENV_HELP


def chosen_platform(args: argparse.Namespace) -> Platform | None:
    return platform(args.platform) if getattr(args, "platform", None) else None


def build_profile(args: argparse.Namespace) -> Profile:
    profile = load_profile()
    preset = chosen_platform(args)
    if preset is not None:  # the preset first; what is given explicitly wins
        profile = preset.apply(profile, size=bool(args.size), fps=bool(args.fps),
                               bitrate=bool(args.bitrate))  # fmt: skip
    changes: dict[str, object] = {}
    if args.size:
        changes["width"], changes["height"] = parse_size(args.size)
    if args.fps:
        changes["fps"] = parse_fps(args.fps)
    if args.bitrate:
        changes["video_bitrate"] = parse_bitrate(args.bitrate)
    if args.encoder:
        changes["encoder"] = args.encoder
    if args.preset:
        changes["preset"] = args.preset
    return profile.with_(**changes)


def _check_outputs(args: argparse.Namespace) -> None:
    if getattr(args, "join", None):  # a 连麦 guest's picture goes to the host
        return
    if not args.output and not args.record:
        raise UserError(
            "nothing to do: no --output and no --record",
            "add --output rtmp://host/app/key and/or --record show.mkv",
        )
    preset = chosen_platform(args)
    for url in args.output:
        check_push_url(url, f"--output {mask_url(url)!r}")
        wanted = preset.scheme_problem(url) if preset else None
        if preset and wanted:
            raise UserError(
                f"--output {mask_url(url)!r}: {preset.name} takes {wanted}:// addresses only",
                f"use the {wanted}:// server address {preset.name} shows",
            )
    ca = getattr(args, "ca_file", None)
    if ca is not None:
        if not ca.expanduser().is_file():
            raise UserError(f"--ca-file {ca} does not exist", "give the CA certificate's PEM file")
        os.environ[CA_FILE_ENV] = str(ca.expanduser().resolve())  # the outputs read it
    if args.duration is not None and args.duration <= 0:
        raise UserError(f"--duration {args.duration} must be positive", "give seconds, e.g. 60")


# What a guide should do about each reason an output is not live (the CLI's own hints).
FIXES = {
    "output.unreachable": "check the server address and port and this machine's network",
    "output.refused": "check the stream key and the app name in the address",
    "output.closed_on_publish": "check the stream key and the app name in the address",
    "output.stalled": "the platform's server may be overloaded; it is retried",
    "output.connection_lost": "check this machine's network",
    "output.certificate": "check the stream address, or give --ca-file for a server of your own",
}


class DestinationWatch:
    """Per RTMP destination: warn once per reason while it is not live, time it live.

    A stream that never reaches its platform must not look like a success: the
    guide would sell to nobody. So the first retry (and each new reason) gets a
    warning line, and the end gets a summary and a non-zero exit.
    """

    def __init__(self, outputs: list[RtmpOutput]) -> None:
        self._outputs = {o.name: o for o in outputs}
        self._lock = threading.Lock()
        self._warned: dict[str, str] = {}  # name -> reason last warned about
        self._why: dict[str, str] = {}  # name -> the last reason it was not live
        self._live_since: dict[str, float] = {}
        self.live_seconds: dict[str, float] = dict.fromkeys(self._outputs, 0.0)
        self.ever_live: set[str] = set()

    def on_state(self, event: Any) -> None:
        name, state = event.data["name"], event.data["state"]
        out = self._outputs.get(name)
        if out is None:
            return
        now = time.monotonic()
        with self._lock:
            since = self._live_since.pop(name, None)
            if since is not None:
                self.live_seconds[name] += now - since
            if state == "live":
                self._live_since[name] = now
                self.ever_live.add(name)
                self._warned.pop(name, None)  # a later outage warns again
                return
            if state not in ("reconnecting", "failed"):
                return
            message = out.message
            reason = message.text("en") if message is not None else event.data["reason"]
            if not reason or (message is not None and message.id == "output.reconnect_requested"):
                return
            self._why[name] = reason
            if self._warned.get(name) == reason + state:
                return
            self._warned[name] = reason + state
        fix = FIXES.get(message.id, "") if message is not None else ""
        doing = "gave up" if state == "failed" else "still retrying"
        sys.stderr.write(
            f"studio: warning: {name}: {reason} ({doing})" + (f"; {fix}" if fix else "") + "\n"
        )
        sys.stderr.flush()

    def finish(self) -> None:
        """Close the live spans still open (call once the pipeline stopped)."""
        now = time.monotonic()
        with self._lock:
            for name, since in self._live_since.items():
                self.live_seconds[name] += now - since
            self._live_since.clear()

    def why(self, name: str) -> str:
        """The last reason ``name`` was not live, in English."""
        return self._why.get(name, "no answer yet")

    def never_live(self) -> list[RtmpOutput]:
        return [o for n, o in self._outputs.items() if n not in self.ever_live]

    def summary(self) -> list[str]:
        """One line per destination: seconds live and reconnects, or why it never went live."""
        lines = []
        for name, out in self._outputs.items():
            tries = out.stats.reconnects
            if name in self.ever_live:
                lines.append(
                    f"studio: {name}: live {self.live_seconds[name]:.1f} s, {tries} reconnects"
                )
            else:
                why = self.why(name)
                lines.append(f"studio: {name}: never went live ({why}), {tries} reconnects")
        return lines


class SourceWatch:
    """Did the source ever give a picture? A remote stream that never played is a failure.

    A remote source retries behind a slate and never raises, so without this a
    live of nothing but "reconnecting" ended with exit 0. The first failure is
    warned about once while it retries.
    """

    def __init__(self, source: Source) -> None:
        self.source = source
        self.ever_live = False
        self._warned = False

    def look(self) -> None:
        src = self.source
        if src.state == "live":
            self.ever_live = True
        elif src.kind == "url" and src.detail and not self.ever_live and not self._warned:
            self._warned = True
            sys.stderr.write(
                f"studio: warning: --source {src.name}: {src.detail} (still retrying)\n"
            )
            sys.stderr.flush()

    def problem(self) -> str | None:
        """One line for a remote source that never played, else None."""
        src = self.source
        if src.kind != "url" or self.ever_live:
            return None
        why = src.detail or "no answer"
        return (
            f"--source {src.name} never played ({why}); check the address and that the "
            "stream is being published there"
        )


def _warn_encoder_fallback(profile: Profile, pipeline: Pipeline) -> None:
    """A hardware encoder asked for by name but not there: say so, the CPU will work harder."""
    wanted = HW_ENCODERS.get(profile.encoder)
    got = pipeline.encoder.video_codec if pipeline.encoder else ""
    if wanted and got and got != wanted:
        sys.stderr.write(
            f"studio: warning: --encoder {profile.encoder} ({wanted}) could not be opened "
            f"here (no such hardware or driver); encoding with {got} on the CPU instead\n"
        )
        sys.stderr.flush()


def run(args: argparse.Namespace) -> int:
    show = None
    catalog = None
    if args.show:  # every problem of the script before anything starts (exit 2)
        from studio.show.catalog import load_catalog
        from studio.show.script import load_show

        catalog = load_catalog(args.catalog)
        show = load_show(args.show, catalog)
    profile = build_profile(args)
    _costream.check(args)
    _check_outputs(args)
    record_path = None
    if args.record:
        record_path = unique_path(args.record.expanduser())
        check_writable(record_path)
    source = open_source(args.source, profile.width, profile.height, profile.fps)

    pipeline = Pipeline(profile)
    pipeline.add_source(source)
    attach_audio(pipeline, args.audio, source.audio is not None)
    outputs = [pipeline.add_rtmp(url) for url in args.output]
    over = upload_budget.check(profile, len(outputs), upload_budget.measured_upload())
    if over is not None:  # a warning: the guide may know better (a faster line today)
        sys.stderr.write(f"studio: warning: {over.message().text('en')}\n")
        sys.stderr.flush()
    if record_path:
        pipeline.add_recorder(record_path)
    writer = None
    if args.stats_file:
        writer = JsonLinesWriter(args.stats_file)
        pipeline.bus.subscribe("stats", writer)

    stop = threading.Event()
    failed = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        log.info("signal %d: stopping", signum)
        stop.set()

    def on_output(event) -> None:  # type: ignore[no-untyped-def]
        if event.data["state"] == "failed":
            log.error("output %s failed: %s", event.data["name"], event.data["reason"])
            if outputs and all(o.state == "failed" for o in outputs) and not record_path:
                failed.set()
                stop.set()

    pipeline.bus.subscribe("output.state", on_output)
    watch = DestinationWatch(outputs)
    pipeline.bus.subscribe("output.state", watch.on_state)
    commerce = None if args.join else CommerceSide.from_args(args, pipeline.bus)
    guest = _costream.open_guest(args, pipeline) if args.join else None  # refused: exit 2
    for notice in commerce.notices if commerce else ():
        print(f"studio: {notice}", flush=True)
    engine = None
    if show is not None:
        preset = chosen_platform(args)
        area = {"platform": preset.safe_area} if preset else {}  # overlays clear its own UI
        if commerce is not None:
            engine = attach_show(
                pipeline,
                show,
                catalog,
                session_id=args.session,
                link_for=commerce_links(commerce, show, args.session),
                **area,
            )
        else:
            engine = attach_show(pipeline, show, catalog, **area)
        print(f"studio: show {show.title!r}: {len(show.cues)} cues", flush=True)
    seen = SourceWatch(source)
    old = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    started = time.monotonic()
    cohost = None
    hear: RingPlayer | None = None
    try:
        freeze_long_lived()  # one show a process: what exists now lasts to the end
        pipeline.start()
        _warn_encoder_fallback(profile, pipeline)
        if args.costream:
            cohost = _costream.start_host(args, pipeline)
        if guest is not None:
            guest.connect()
            print("studio: 连麦 joined", flush=True)
            assert guest.host.audio is not None
            hear = _costream.monitor(guest.host.audio, "the host")  # the talk, less our voice
        targets = [o.name for o in outputs] + ([str(record_path)] if record_path else [])
        targets = targets or (["连麦"] if guest is not None else [])
        print(
            f"studio: live {profile.width}x{profile.height}@{profile.fps} "
            f"({pipeline.encoder.video_codec if pipeline.encoder else '?'}) "
            f"-> {', '.join(targets)}",
            flush=True,
        )
        while not stop.wait(0.2):
            seen.look()
            if guest is not None and guest.ended:  # the host removed us or ended the show
                print(f"studio: 连麦 over: {guest.ended}", flush=True)
                break
            if args.duration and time.monotonic() - started >= args.duration:
                break
        seen.look()
    finally:
        if cohost is not None:
            cohost.close()
        if guest is not None:
            guest.close()
        if hear is not None:
            hear.close()
        pipeline.stop()
        if engine is not None:
            engine.close()
        if commerce and (pending := commerce.stop()):
            print(f"studio: {pending} commerce actions wait for the backend (kept)", flush=True)
        for s, h in old.items():
            signal.signal(s, h)
        if writer:
            writer.close()
    watch.finish()
    c = pipeline.counters
    print(
        f"studio: stopped after {pipeline.media_seconds:.1f} s, {c.encoded} frames encoded, "
        f"dropped render-lag {c.render_lag} encode-lag {c.encode_lag}",
        flush=True,
    )
    if record_path:
        print(f"studio: recording saved to {record_path}", flush=True)
    for line in watch.summary():
        print(line, flush=True)
    if seen.problem() is not None:
        sys.stderr.write(f"studio: error: {seen.problem()}\n")
        return 1
    if failed.is_set():
        reasons = "; ".join(f"{o.name}: {o.reason}" for o in outputs)
        sys.stderr.write(f"studio: every output failed ({reasons})\n")
        return 1
    dead = watch.never_live()
    if dead:
        names = ", ".join(f"{o.name} ({watch.why(o.name)})" for o in dead)
        sys.stderr.write(
            f"studio: error: {len(dead)} of {len(outputs)} destinations never went live: {names}\n"
        )
        return 1
    return 0
