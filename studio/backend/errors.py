"""The one error type the backend's services raise: an HTTP status and a clear sentence."""

from __future__ import annotations


class ApiError(Exception):
    """A 4xx the client can act on; ``detail`` says what is wrong and how to fix it."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        page: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.page = page  # which checkout page explains it to a shopper (sold_out, expired ...)
        self.headers = headers or {}  # e.g. Retry-After on 429
