"""How shoppers appear on a stream: never a whole name, never a whole phone number."""

from __future__ import annotations


def mask_name(name: str) -> str:
    """张小美 -> 张**, Lily -> L***: the first character only, as platforms show buyers."""
    name = name.strip()
    if not name:
        return "匿名用户"
    if "*" in name:
        return name  # already masked upstream
    return name[0] + "*" * min(3, max(1, len(name) - 1))
