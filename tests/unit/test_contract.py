"""The commerce contract is what both sides code against: the server's models carry its
names and fields, and its state machine is the one the client moves its sessions by."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import get_args

import pytest

from studio.backend import models as m
from studio.commerce.store import LocalStore
from studio.contract import dto, promos
from studio.contract.actions import ACTION_KINDS, ActionKind
from studio.contract.sessions import SESSION_STATES, TRANSITIONS, advance

MODELS = [
    (m.ProductOut, dto.PRODUCT_FIELDS),
    (m.SessionOut, dto.SESSION_FIELDS),
    (m.LinkOut, dto.LINK_FIELDS),
    (m.OrderOut, dto.ORDER_FIELDS),
    (m.CommissionOut, dto.COMMISSION_FIELDS),
    (m.PromoRulesOut, dto.PROMO_RULES_FIELDS),
]


@pytest.mark.parametrize(("model", "fields"), MODELS, ids=[x.__name__ for x, _ in MODELS])
def test_the_server_sends_every_field_the_studio_caches(model: type, fields: tuple) -> None:
    missing = set(fields) - set(model.model_fields)
    assert not missing, f"{model.__name__} lacks {missing}"


def test_the_server_accepts_exactly_the_contracts_action_kinds_and_states() -> None:
    assert m.ActionKind is ActionKind
    assert set(get_args(m.ActionIn.model_fields["kind"].annotation)) == ACTION_KINDS
    assert get_args(m.SessionOut.model_fields["state"].annotation) == SESSION_STATES


def test_a_session_only_moves_forward() -> None:
    order = {s: i for i, s in enumerate(SESSION_STATES)}
    for state, kind in itertools.product(SESSION_STATES, ACTION_KINDS):
        new = advance(state, kind)
        assert new is None or order[new] > order[state], (state, kind, new)
    assert advance("ended", "session_started") is None  # a late replay changes nothing
    assert set(TRANSITIONS) <= ACTION_KINDS


def test_the_studio_moves_its_cached_session_by_the_same_machine(tmp_path: Path) -> None:
    """Every state x session action: the local store lands where the backend would."""
    store = LocalStore(tmp_path / "s.sqlite3")
    kinds = [k for k in sorted(ACTION_KINDS) if k.startswith("session_")]
    pairs = list(itertools.product(SESSION_STATES, kinds))
    for n, (state, kind) in enumerate(pairs, start=1):
        with store.tx() as db:
            store.set_session_state(db, n, state)
            store.apply_action(db, n, kind, {}, 100.0)
        assert store.session_state(n) == (advance(state, kind) or state), (state, kind)
    prepared = pairs.index(("scheduled", "session_prepared")) + 1
    row = store.session(prepared)
    assert row is not None and row["prepared_at"] == 100.0
    store.close()


def test_a_rule_violation_is_one_neutral_error_the_backend_maps_to_422() -> None:
    from studio.backend import flash
    from studio.backend import promos as backend_promos
    from studio.backend.errors import ApiError

    rules = promos.PromoRules()
    with pytest.raises(promos.PromoRuleError, match="coupon limit"):
        promos.check_coupon(rules, discount=60_000, min_spend=0, product_price=None)
    with pytest.raises(ApiError) as exc:
        backend_promos.check_coupon(rules, discount=60_000, min_spend=0, product_price=None)
    assert exc.value.status == 422 and "coupon limit" in exc.value.detail
    with pytest.raises(ApiError) as exc:
        flash.check(rules, price=10_000, flash=100, starts_at=0, ends_at=10)
    assert exc.value.status == 422 and "between 5000" in exc.value.detail
