"""``studio live`` 连麦 options: bad input is one clear message and a non-zero exit."""

from __future__ import annotations

import pytest

from studio.cli import main


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--join", "rtmp://x/live/key"], "--join needs a 连麦 link"),
        (["--join", "http://127.0.0.1:9/notjoin/abc"], "--join needs a 连麦 link"),
        (["--costream", "--join", "http://h/join/t", "--record", "x.mkv"], "exclude each other"),
        (["--costream", "--costream-uses", "99", "--record", "x.mkv"], "--costream-uses 99"),
        (["--costream", "--costream-share", "0.3", "--record", "x.mkv"], "--costream-guest-guide"),
    ],
)
def test_bad_costream_options_are_refused_before_anything_starts(argv, says, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["live", *argv]) != 0
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err, err


def test_an_unreachable_join_link_says_so(capsys) -> None:  # type: ignore[no-untyped-def]
    from studio.ports import free_port

    link = f"http://127.0.0.1:{free_port()}/join/tok-4f2a9c"
    assert main(["live", "--join", link, "--duration", "1"]) != 0
    err = capsys.readouterr().err
    assert "cannot reach the host's backend" in err and "tok-4f2a9c" not in err, err


def test_stdin_commands_answer_in_one_line_and_bad_ones_say_what_is_known() -> None:
    import io

    from studio.commands._costream import control, run_control
    from studio.config import Profile
    from studio.costream.host import CoHost
    from studio.errors import UserError
    from studio.media.engine import Pipeline

    cohost = CoHost(Pipeline(Profile(width=640, height=360, fps=20)))
    assert run_control(cohost, ["layout", "pip"]) == "连麦: layout pip" and cohost.layout == "pip"
    assert run_control(cohost, ["guests"]) == "连麦 guests: none"
    with pytest.raises(UserError, match="on needs a number"):
        run_control(cohost, ["on", "x"])
    with pytest.raises(UserError, match="no 连麦 guest 4"):
        run_control(cohost, ["mute", "4"])
    out = io.StringIO()
    import contextlib

    with contextlib.redirect_stdout(out):
        control(cohost, io.StringIO("frob\n\nlayout grid\n"))
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("studio: 连麦: unknown command 'frob'") and "layout" in lines[0]
    assert lines[1] == "studio: 连麦: layout grid"
