"""Token buckets for rate limits per client address and per device key (spec/visit-v1.md §6.4)."""

from __future__ import annotations

__all__ = ["Buckets"]

#: Keys kept before full buckets are forgotten (bounds memory under a flood of new keys).
MAX_KEYS = 100_000


class Buckets:
    """One token bucket per key: ``rate`` tokens a second, at most ``burst``.  A rate of 0
    means no limit.  Time is passed in (seconds, monotonic)."""

    __slots__ = ("_buckets", "burst", "rate")

    def __init__(self, rate: float, burst: float) -> None:
        self.rate = rate
        self.burst = max(burst, 1.0)
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, key: str, now: float, n: float = 1.0) -> float:
        """Take ``n`` tokens for ``key``: 0.0 if allowed, else the seconds to wait."""
        if self.rate <= 0:
            return 0.0
        tokens, last = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens < n:
            self._buckets[key] = (tokens, now)
            return (n - tokens) / self.rate
        if len(self._buckets) >= MAX_KEYS and key not in self._buckets:
            self._forget(now)
        self._buckets[key] = (tokens - n, now)
        return 0.0

    def _forget(self, now: float) -> None:
        """Drop the buckets that have refilled (they hold nothing a fresh bucket would not)."""
        full = [k for k, (t, last) in self._buckets.items() if t + (now - last) * self.rate >= self.burst]
        for key in full:
            del self._buckets[key]
        if len(self._buckets) >= MAX_KEYS:  # every key is busy: keep the newest half
            for key in list(self._buckets)[: MAX_KEYS // 2]:
                del self._buckets[key]
