"""Operations: the health probe."""

from typing import Any

from fastapi import APIRouter

from studio.backend import models as m
from studio.backend.db import SCHEMA_VERSION

router = APIRouter(tags=["ops"])


@router.get("/healthz", response_model=m.HealthOut)
def health() -> dict[str, Any]:
    return {"ok": True, "schema_version": SCHEMA_VERSION}
