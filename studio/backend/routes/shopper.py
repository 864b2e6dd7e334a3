"""The shopper's pages: checkout behind a purchase link, booking behind a poster.

No login: the signed token in the path is the permission. Errors here answer HTML
pages (see :mod:`studio.backend.middleware`).
"""

from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse

from studio.backend import pages
from studio.backend.deps import Backend, State, client_address
from studio.backend.services import shopper

router = APIRouter(tags=["shopper"])
Token = Annotated[str, Path(max_length=64)]
_HTML: dict[str, Any] = {"content": {"text/html": {}}}


@router.get("/p/{token}", response_class=HTMLResponse, responses={404: _HTML, 410: _HTML})
def checkout_page(token: Token, state: State) -> HTMLResponse:
    """The mobile checkout page a purchase-link QR opens (counts a click)."""
    commerce = state.commerce
    link = commerce.resolve_link(token)
    commerce.count_click(link["id"])
    offer = commerce.offer(link)
    if offer["product"]["stock"] <= 0 and not offer["session"]["rehearsal"]:
        return HTMLResponse(pages.error("sold_out"), 409)
    store, guide = shopper.store_and_guide(commerce, link)
    return HTMLResponse(pages.checkout(token, offer, store, guide))


@router.post(
    "/p/{token}/buy", response_class=HTMLResponse, responses={409: _HTML, 422: _HTML, 429: _HTML}
)
async def checkout_buy(token: Token, request: Request, state: State) -> HTMLResponse:
    """Place the order (simulated payment). Form fields: quantity, fulfilment, address,
    buyer_name, buyer_phone, use_coupon, join_group."""
    commerce = state.commerce
    state.throttle.take("buy", client_address(request))
    # an unknown or closed link is refused before its body is read
    await anyio.to_thread.run_sync(commerce.resolve_link, token)
    form, quantity = shopper.order_form(await request.body())
    order = await anyio.to_thread.run_sync(shopper.checkout, commerce, token, form, quantity)
    # the page's lookups off the event loop too: it also serves every SSE client
    store, _ = await anyio.to_thread.run_sync(
        lambda: shopper.store_and_guide(commerce, commerce.resolve_link(token))
    )
    return HTMLResponse(pages.success(order, store), 201)


def booking_page(state: Backend, token: str, booked: bool) -> HTMLResponse:
    sess = shopper.share_session(state.commerce, state.signer, token)
    g, count = shopper.booking(state.commerce, sess)
    return HTMLResponse(
        pages.booking(sess, g["name"], g["store"], token, booked=booked, count=count)
    )


@router.get("/live/{token}", response_class=HTMLResponse)
def share_page(token: Token, state: State) -> HTMLResponse:
    """Booking (预约) page the poster's QR opens."""
    return booking_page(state, token, False)


@router.post("/live/{token}/book", response_class=HTMLResponse, responses={429: _HTML})
def book_session(token: Token, request: Request, state: State) -> HTMLResponse:
    """Book (预约) the show; a few per client address a minute."""
    state.throttle.take("book", client_address(request))
    sess = shopper.share_session(state.commerce, state.signer, token)
    shopper.book(state.commerce, sess["id"])
    return booking_page(state, token, True)
