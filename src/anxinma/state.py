"""What a verifier remembers between runs, so that no signed document can be rolled back (spec §15.7).

A verifier that accepted trust list 7 must never again accept trust list 6: the
older list may still hold a key that was since marked compromised.  The same
holds for the enterprise directory (by its sequence) and for each status list
(by its ``iat``): an older list may not show a revocation.

:class:`VerifierState` is a small frozen value.  The loaders take it
(``state=``) and refuse a document older than it remembers as ``rollback``; a
document equal to it (the same one again) loads.  :meth:`VerifierState.remember`
returns a new state that never goes back.  The library keeps no state itself
and does no I/O: the caller persists :meth:`VerifierState.to_json` (the CLI in
``--state FILE``, the web page in IndexedDB) and reads it back with
:meth:`VerifierState.from_json`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import UsageError

if TYPE_CHECKING:
    from .directory import Directory
    from .status import StatusListToken
    from .trust import TrustList

__all__ = ["MAX_SEQUENCE", "VerifierState"]

#: The largest sequence number of a trust list or directory (spec §15.2): 2^53 - 1,
#: so that every implementation (JavaScript numbers included) holds it exactly.
MAX_SEQUENCE = 2**53 - 1
_FORMAT = 1
_KEYS = ("format", "trust_list_sequence", "directory_sequence", "status_lists")


@dataclass(frozen=True, slots=True)
class VerifierState:
    """The newest documents a verifier has accepted (spec §15.7).

    ``trust_list_sequence`` and ``directory_sequence``: the highest sequence
    accepted, or ``None``; ``status_lists``: ``(sub, iat)`` pairs, the newest
    ``iat`` (NumericDate seconds) accepted per status list ``sub``, sorted by ``sub``.
    """

    trust_list_sequence: int | None = None
    directory_sequence: int | None = None
    status_lists: tuple[tuple[str, int], ...] = ()

    def __post_init__(self) -> None:
        for name in ("trust_list_sequence", "directory_sequence"):
            value = getattr(self, name)
            if value is not None and not _whole(value, MAX_SEQUENCE):
                raise UsageError(f"verifier state: {name} must be an integer in 0..{MAX_SEQUENCE} or null")
        pairs = self.status_lists
        if not isinstance(pairs, tuple) or not all(
            isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str) and _whole(p[1], 2**32 - 1)
            for p in pairs
        ):
            raise UsageError("verifier state: status_lists must be (sub, iat) pairs, iat in 0..2^32 - 1")
        subs = [sub for sub, _ in pairs]
        if subs != sorted(set(subs)):
            raise UsageError("verifier state: status_lists must be sorted by sub, each sub once")

    def status_list_issued(self, sub: str) -> int | None:
        """The newest ``iat`` accepted for status list ``sub``, or ``None``."""
        return next((iat for s, iat in self.status_lists if s == sub), None)

    def remember(self, *documents: TrustList | Directory | StatusListToken) -> VerifierState:
        """This state with ``documents`` (as loaded) taken into account; it never goes back."""
        from .directory import Directory  # noqa: PLC0415  (the loaders import this module)
        from .status import StatusListToken  # noqa: PLC0415
        from .trust import TrustList  # noqa: PLC0415

        trust, directory = self.trust_list_sequence, self.directory_sequence
        lists = dict(self.status_lists)
        for doc in documents:
            if isinstance(doc, TrustList):
                trust = _newer(trust, doc.sequence)
            elif isinstance(doc, Directory):
                directory = _newer(directory, doc.sequence)
            elif isinstance(doc, StatusListToken):
                lists[doc.uri] = _newer(lists.get(doc.uri), int(doc.issued_at.timestamp()))
            else:
                raise UsageError(f"a verifier state remembers documents, not {type(doc).__name__}")
        return VerifierState(trust, directory, tuple(sorted(lists.items())))

    def to_json(self) -> bytes:
        """The JSON form of spec §15.7: one object, fixed member order, no spaces, UTF-8, a final newline."""
        import json  # noqa: PLC0415  (not on the verify path)

        body = {
            "format": _FORMAT,
            "trust_list_sequence": self.trust_list_sequence,
            "directory_sequence": self.directory_sequence,
            "status_lists": dict(self.status_lists),
        }
        return (json.dumps(body, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes | str) -> VerifierState:
        """Read the JSON form; raise :class:`UsageError` naming what is wrong."""
        import json  # noqa: PLC0415  (not on the verify path)

        try:
            body = json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise UsageError(f"verifier state: not JSON ({exc})") from None
        if not isinstance(body, dict) or sorted(body) != sorted(_KEYS):
            raise UsageError(f"verifier state: an object with exactly the members {', '.join(_KEYS)}")
        if body["format"] != _FORMAT or isinstance(body["format"], bool):
            raise UsageError(f"verifier state: format must be {_FORMAT}")
        lists = body["status_lists"]
        if not isinstance(lists, Mapping):
            raise UsageError("verifier state: status_lists must be an object of sub -> iat")
        return cls(body["trust_list_sequence"], body["directory_sequence"], tuple(sorted(lists.items())))

    @classmethod
    def of(cls, documents: Iterable[TrustList | Directory | StatusListToken]) -> VerifierState:
        """The state that remembers ``documents``."""
        return cls().remember(*documents)


def _whole(value: Any, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= high


def _newer(held: int | None, seen: int) -> int:
    return seen if held is None else max(held, seen)
