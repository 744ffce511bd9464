"""``CallControl``: a caller's SIP call as transfers drive it (ARCHITECTURE.md, "Inside the SIP
adapter").

Blind, bridged and consultation transfers (``bridge.py``) and the ACD's queue
(``queue_transfer.py``) need a few things of the caller's call: his keys, his prompts and hold
music, his far legs (``leg.Legs``: dial, bridge, hang up), a wait that wakes on any of it, a
REFER, and listening to his words during a bridge. They ask for them here, never for a
``SipCall``'s insides, so none of them imports ``call.py``. ``SipCall`` is the implementation.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Protocol

from ...core.actions import Prompt
from .leg import Leg, Legs
from .voice import CallerVoice


class Clip(Protocol):
    """Rendered audio (``media.MediaCache``): a file the engine plays and its length."""

    path: str
    seconds: float


class CallControl(Protocol):
    """One caller's call (see the module docstring)."""

    key: int
    """The caller's leg on the engine (its slot for ``legs.bridge`` and ``legs.connect``)."""
    legs: Legs
    """The far legs this call dialled."""
    keys: deque[str]
    """The caller's keys not yet taken (taking one is ``popleft``)."""
    media_timeout_s: float
    """A bridged far leg silent on RTP this long is ``network_disconnect`` (0: not watched)."""
    voice: CallerVoice
    """The caller's words (``voice.listen`` during a bridge)."""

    @property
    def hung_up(self) -> bool: ...

    async def answer(self) -> None:
        """200 OK, if not yet (the caller hears ringing until then)."""

    async def hangup(self, code: int = 0) -> None:
        """End the caller's leg."""

    async def queue_prompts(self, prompts: tuple[Prompt, ...]) -> None:
        """Queue ``prompts`` (answering first); ``drain`` waits for them."""

    async def audio(self, src: str) -> Clip | None:
        """``src`` fetched and rendered for playing (None: it cannot be had)."""

    def play_clip(self, clip: Clip, *, bargein: bool = False, repeat: float = 1.0) -> int:
        """Queue a clip (``repeat`` times its length, for audio that loops); its token."""

    def stop(self, token: int | None = None) -> None:
        """Stop one queued clip (when still queued), or with None everything."""

    @property
    def playing(self) -> bool:
        """Something queued is still playing."""

    async def drain(self, timeout_s: float | None = None) -> None:
        """Wait until the queued prompts have played (or the caller hung up)."""

    def wake(self) -> None:
        """Wake ``wait``: something it reads changed (an ACD task finished)."""

    async def wait(self, condition: Callable[[], bool], timeout_s: float | None) -> bool:
        """Wait until ``condition()`` holds (True) or the time runs out (False); woken by the
        caller's and his legs' events and by ``wake``."""

    async def refer(self, dest: str | Leg, headers: dict[str, str] | None = None) -> int:
        """REFER the caller to ``dest`` (a leg: with Replaces, an attended transfer); the final
        NOTIFY status, 0 when none came within 10 s (raises when the REFER cannot be sent)."""
