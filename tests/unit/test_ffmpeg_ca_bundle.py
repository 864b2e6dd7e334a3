"""The CAs FFmpeg's TLS is given for rtmps (studio/media/outputs/rtmp.py): the ones the
studio's own check trusts, as one PEM file FFmpeg can read."""

from __future__ import annotations

from pathlib import Path

from studio.media.outputs.rtmp import RtmpOutput, ffmpeg_ca_bundle

EXTRA = "-----BEGIN CERTIFICATE-----\nTUlJQ2V4dHJh\n-----END CERTIFICATE-----\n"
# a company's CA file as people keep them: a comment in Chinese above the certificate
COMMENTED = "# 公司根证书 (company root)\n" + EXTRA


def test_without_a_ca_file_the_system_bundle_is_used() -> None:
    bundle = ffmpeg_ca_bundle(None)
    assert bundle is not None and Path(bundle).is_file()
    assert "BEGIN CERTIFICATE" in Path(bundle).read_text(encoding="ascii", errors="replace")


def test_a_ca_file_is_added_to_the_system_bundle(tmp_path: Path) -> None:
    extra = tmp_path / "company-ca.pem"
    extra.write_text(EXTRA, encoding="ascii")
    bundle = ffmpeg_ca_bundle(str(extra))
    assert bundle is not None
    text = Path(bundle).read_text(encoding="ascii", errors="replace")
    system = Path(ffmpeg_ca_bundle(None) or "").read_text(encoding="ascii", errors="replace")
    assert text.startswith(system[:200]) and EXTRA in text


def test_a_ca_file_with_non_ascii_comments_is_copied_as_is(tmp_path: Path) -> None:
    extra = tmp_path / "company-ca.pem"
    extra.write_text(COMMENTED, encoding="utf-8")
    bundle = ffmpeg_ca_bundle(str(extra))
    assert bundle is not None and COMMENTED.encode("utf-8") in Path(bundle).read_bytes()


def test_a_ca_file_changed_on_disk_makes_a_new_bundle(tmp_path: Path) -> None:
    extra = tmp_path / "company-ca.pem"
    extra.write_text(EXTRA, encoding="ascii")
    first = ffmpeg_ca_bundle(str(extra))
    extra.write_text(EXTRA + EXTRA, encoding="ascii")  # the guide fixed the file meanwhile
    second = ffmpeg_ca_bundle(str(extra))
    assert second != first and Path(second or "").read_text().count(EXTRA) == 2


def test_rtmps_asks_ffmpeg_to_verify_and_plain_rtmp_does_not() -> None:
    tls = RtmpOutput("rtmps://live-api-s.facebook.com:443/rtmp/FB-123-key")._tls_options()
    assert tls["tls_verify"] == "1" and Path(tls["ca_file"]).is_file()
    assert RtmpOutput("rtmp://127.0.0.1:1935/live/key")._tls_options() == {}
