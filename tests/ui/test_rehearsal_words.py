"""A take shows order toasts (the demo backend's simulated shoppers buy): the window's
words say those orders are simulated, rather than "no real orders" over a screen of
"尾号 8821 刚刚下单"; in each language."""

from __future__ import annotations

from ui.show_runner import ShowRunner


def test_the_rehearse_button_says_the_orders_on_screen_are_simulated(qtbot, language: str) -> None:  # type: ignore[no-untyped-def]
    runner = ShowRunner()
    qtbot.addWidget(runner)
    tip = runner.rehearse.toolTip()
    if language == "zh":
        assert "订单都是模拟的" in tip and "不产生真实订单" not in tip
    else:
        assert "every order is simulated" in tip and "no real orders" not in tip
