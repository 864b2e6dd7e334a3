"""The one idempotency helper every write route uses (studio.backend.deps.Idempotency):
a retry with the same key and body gets the first answer, flagged as replayed, and
writes nothing again; the same key with another body is a 409; no key, no memory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import Response

from studio.backend import models as m
from studio.backend.access import User
from studio.backend.db import Database
from studio.backend.deps import Idempotency
from studio.backend.errors import ApiError
from studio.backend.security import LinkSigner
from studio.backend.service import CommerceService, Settings
from tests.backend.conftest import db_target


@pytest.fixture
def commerce(
    engine: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[CommerceService]:
    db = Database(db_target(engine, request, tmp_path))
    with db.write() as conn:
        conn.execute(
            "INSERT INTO users(username, display_name, role, password_hash, created_at) "
            "VALUES('guide1','小美','guide','x',0)"
        )
    yield CommerceService(db, LinkSigner("a-link-secret"), Settings())
    db.close()


def caller(commerce: CommerceService) -> User:
    uid = commerce.db.one("SELECT id FROM users WHERE username='guide1'")["id"]
    return User(uid, "guide1", "小美", "guide", None, None, None)


def test_a_retry_replays_the_first_answer_and_writes_once(commerce: CommerceService) -> None:
    user, writes = caller(commerce), []

    def write(conn: Any) -> tuple[int, dict[str, Any]]:
        writes.append(1)
        return 201, {"n": len(writes)}

    body = m.LoginIn(username="a", password="b")
    first, again = Response(), Response()
    assert Idempotency(commerce, first, user).run("k-1", "ep", body, write) == {"n": 1}
    assert first.status_code == 201 and "Idempotent-Replayed" not in first.headers
    assert Idempotency(commerce, again, user).run("k-1", "ep", body, write) == {"n": 1}
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert writes == [1]

    other = m.LoginIn(username="a", password="c")
    with pytest.raises(ApiError) as refused:
        Idempotency(commerce, Response(), user).run("k-1", "ep", other, write)
    assert refused.value.status == 409 and writes == [1]


def test_without_a_key_every_call_writes(commerce: CommerceService) -> None:
    user, writes = caller(commerce), []

    def write(conn: Any) -> tuple[int, dict[str, Any]]:
        writes.append(1)
        return 200, {}

    body = m.LoginIn(username="a", password="b")
    for _ in range(2):
        response = Response()
        Idempotency(commerce, response, user).run(None, "ep", body, write)
        assert "Idempotent-Replayed" not in response.headers
    assert writes == [1, 1]
