"""Show scripts: the samples are valid; a broken one lists every problem with file:line."""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

import pytest

from studio.fonts import ASSETS
from studio.show.catalog import Catalog, demo_catalog, load_catalog
from studio.show.script import ShowError, load_show, parse_show
from studio.show.toml_lines import LineIndex

CAT = demo_catalog()

BROKEN = textwrap.dedent(
    """\
    [show]
    title = "坏脚本"
    duration = "10:00"
    colour = "red"

    [[segments]]
    title = "开场"
    length = "1:00"
    talking_points = ["你好"]

      [[segments.cues]]
      id = "card"
      at = "start"
      action = "show_card"
      product = "GS-9999"

      [[segments.cues]]
      id = "late"
      at = "1:30"
      action = "pop_link"
      product = "GS-1001"

    [[segments]]
    title = "促销"
    length = "x"

      [[segments.cues]]
      id = "c1"
      at = 0
      action = "coupon"
      amount = 20
      duration = 60

      [[segments.cues]]
      id = "c2"
      at = "0:30"
      action = "lottery"
      prize = "礼盒"

      [[segments.cues]]
      id = "flash"
      at = "0:10"
      action = "pop_link"
      product = "GS-1001"
      flash_price = 999

      [[segments.cues]]
      id = "typo"
      at = 5
      action = "pop_lnk"

      [[segments.cues]]
      id = "two"
      at = 5
      hotkey = "F1"
      action = "hide_card"

    [[cues]]
    id = "after"
    on = "orders"
    count = "twenty"
    action = "groupbuy"
    product = "GS-1002"
    size = 1
    """
)


def test_the_sample_shows_are_valid_and_use_the_demo_catalog() -> None:
    shows = sorted((ASSETS / "shows").glob("*.toml"))
    assert len(shows) >= 2
    for path in shows:
        show = load_show(path, CAT)
        assert show.segments and show.cues
        skus = {c.product for c in show.cues if c.product}
        assert skus and skus <= {p.sku for p in CAT}
        assert sum(s.length for s in show.segments) <= show.duration


def test_a_broken_script_reports_every_problem_with_its_line() -> None:
    with pytest.raises(ShowError) as info:
        parse_show(BROKEN, CAT, "broken.toml")
    got = [(p.line, p.message) for p in info.value.problems]
    text = "\n".join(str(p) for p in info.value.problems)
    expect = [
        (4, "unknown key 'colour'"),
        (15, "unknown product 'GS-9999'"),
        (19, "at 1:30 is after its segment '开场' ends"),
        (25, "length 'x' is not a time"),
        (34, "overlaps cue 'c1'"),  # the lottery on the same promo slot, inside the coupon
        (45, "flash_price ¥999 is not below the price ¥399"),
        (50, "unknown action 'pop_lnk'"),
        (52, "needs exactly one of at / hotkey / on"),
        (61, "count must be a whole number"),
        (64, "size must be a whole number from 2 to 20"),
    ]
    for line, fragment in expect:
        assert any(ln == line and fragment in msg for ln, msg in got), (line, fragment, text)
    assert all(str(p).startswith(f"broken.toml:{p.line}: ") for p in info.value.problems)
    assert "did you mean 'pop_link'?" in text and "fix:" in text


def test_syntax_errors_and_suggestions() -> None:
    with pytest.raises(ShowError) as info:
        parse_show('[show]\ntitle = "x\n', CAT, "s.toml")
    assert info.value.problems[0].line == 2
    with pytest.raises(ShowError) as info:
        parse_show(
            '[show]\ntitle="t"\nduration=60\n[[segments]]\ntitle="s"\nlength=30\n'
            'products=["福袋"]\n',
            CAT,
            "s.toml",
        )
    assert "GS-1020 (限量款福袋)" in str(info.value)


def test_line_index_follows_arrays_of_tables_and_multiline_values() -> None:
    text = textwrap.dedent(
        '''\
        [show]
        title = "t"
        notes = """
        [[segments]]
        """
        [[segments]]
        a = [
          1,
        ]
        b = 2
          [[segments.cues]]
          c = 3
        [[segments]]
          [[segments.cues]]
          [[segments.cues]]
          d = 4
        '''
    )
    idx = LineIndex(text)
    assert idx.line(("segments", 0)) == 6
    assert idx.line(("segments", 0, "b")) == 10
    assert idx.line(("segments", 0, "cues", 0, "c")) == 12
    assert idx.line(("segments", 1, "cues", 1, "d")) == 16
    assert idx.line(("segments", 1, "cues", 0, "nope")) == 14


def test_catalog_from_a_cached_json_file(tmp_path: Path) -> None:
    f = tmp_path / "catalog.json"
    f.write_text('{"products": [{"sku": "X-1", "name": "测试", "price": 9.9, "stock": 2}]}')
    cat = load_catalog(f)
    assert isinstance(cat, Catalog) and cat["X-1"].list_price == 9.9 and len(cat) == 1


def test_live_refuses_a_broken_show_before_anything_starts(
    tmp_path: Path, studio_cmd: list[str]
) -> None:
    script = tmp_path / "broken.toml"
    script.write_text(BROKEN, "utf-8")
    rec = tmp_path / "never.mkv"
    r = subprocess.run(
        [*studio_cmd, "live", "--show", str(script), "--record", str(rec), "--duration", "5"],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).parents[2],
    )
    assert r.returncode == 2, r.stderr
    assert "10 problems" in r.stderr
    for line in (4, 15, 19, 25, 34, 45, 50, 52, 61, 64):
        assert f"broken.toml:{line}: " in r.stderr
    assert not rec.exists() and "live" not in r.stdout
