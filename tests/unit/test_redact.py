from __future__ import annotations

import logging

from studio.redact import RedactingFilter, mask_url, redact, register_secret, split_stream_url


def test_rtmp_key_is_masked_but_host_and_app_stay() -> None:
    url = "rtmp://push.example.com:1935/live/sk_9f8e7d6c5b4a?auth=abc123"
    assert mask_url(url) == "rtmp://push.example.com:1935/live/****"
    assert "sk_9f8e7d6c5b4a" not in redact(f"cannot open {url}: refused")


def test_placeholders_in_help_text_are_not_masked() -> None:
    assert redact("write it as rtmp://host/app/key") == "write it as rtmp://host/app/key"


def test_registered_secret_and_query_tokens_are_masked() -> None:
    register_secret("tok-SECRET-4711")
    assert redact("bearer tok-SECRET-4711 sent") == "bearer **** sent"
    assert redact("GET /api?token=abcdef&x=1") == "GET /api?token=****&x=1"


def test_split_stream_url() -> None:
    assert split_stream_url("rtmp://h/app/k1/k2") == ("rtmp://h/app", "k1/k2")
    assert split_stream_url("rtmp://h/app") == ("rtmp://h/app", "")


def test_log_filter_masks_args_and_tracebacks(caplog) -> None:  # type: ignore[no-untyped-def]
    logger = logging.getLogger("test.redact")
    handler_filter = RedactingFilter()
    record = logger.makeRecord(
        "test.redact",
        logging.ERROR,
        __file__,
        1,
        "push to %s failed",
        ("rtmp://h/live/KEY12345",),
        None,
    )
    handler_filter.filter(record)
    assert record.getMessage() == "push to rtmp://h/live/**** failed"
    try:
        raise OSError("rtmp://h/live/KEY99999 refused")
    except OSError:
        import sys

        rec2 = logger.makeRecord("t", logging.ERROR, __file__, 1, "x", None, sys.exc_info())
    handler_filter.filter(rec2)
    assert "KEY99999" not in (rec2.exc_text or "")
    assert "rtmp://h/live/****" in (rec2.exc_text or "")
