"""``studio bench --only costream`` measures guest -> host from real frame numbers."""

from __future__ import annotations

from studio.bench.runner import Plan, run_bench


def test_costream_section_reads_the_guests_frame_numbers_on_the_host() -> None:
    steps: list[str] = []
    report = run_bench(["costream"], Plan.tiny(), steps.append)
    cs = report["costream"]
    assert "skipped" not in cs, cs
    # ~20 frames a second sent for 3 s: the numbers were decoded at the host's source and
    # on its program (a wrong crop or scale reads none)
    assert cs["frames"] >= 30 and cs["program_frames"] >= 30, cs
    assert cs["host_to_guest_frames"] >= 30, cs  # and the host's own picture, back at the guest
    for key in ("to_host_source", "to_host_program", "host_to_guest"):
        d = cs[key]
        assert 0 < d["p50_ms"] <= d["p95_ms"] <= d["max_ms"] < 5000, d
