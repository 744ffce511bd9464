"""Executable content (VoiceXML 2.0 §5.3): one handler per element or tight family.

``ELEMENT_HANDLERS`` is the element → handler table. A handler is a function of
``(node, ctx, scope)`` that returns ``None`` (go on) or an outcome; handlers that must wait on
the platform (fetch, log) are generators that yield actions and return the outcome.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable
from types import GeneratorType
from typing import TYPE_CHECKING, Any

from ..events import Thrown
from ..scripting import Scope, ScriptError
from . import control, foreach, navigation, output, script, variables

if TYPE_CHECKING:
    from ..interpreter import Interpreter
    from ..model import Node
    from ..outcomes import Outcome

Handler = Callable[["Node", "Interpreter", Scope], Any]

ELEMENT_HANDLERS: dict[str, Handler] = {
    "var": variables.run_var,
    "assign": variables.run_assign,
    "clear": variables.run_clear,
    "if": control.run_if,
    "throw": control.run_throw,
    "reprompt": control.run_reprompt,
    "log": output.run_log,
    "prompt": output.run_prompt,
    "audio": output.run_audio,
    "value": output.run_value,
    "enumerate": output.run_enumerate,
    "goto": navigation.run_goto,
    "submit": navigation.run_submit,
    "return": navigation.run_return,
    "exit": navigation.run_exit,
    "disconnect": navigation.run_disconnect,
    "script": script.run_script,
    "data": script.run_data,
    "foreach": foreach.run_foreach,
}

# SSML and text that may appear directly in a block or catch: queued as a prompt (§4.1).
PROMPT_CONTENT = frozenset({"break", "emphasis", "mark", "p", "s", "phoneme", "prosody", "say-as", "sub", "voice"})


def run_content(
    nodes: Iterable[Node], ctx: Interpreter, scope: Scope, *, text: str | None = None
) -> Generator[Any, Any, Outcome | None]:
    """Run executable content in document order; stop at the first outcome.

    ``text`` is given where bare text is prompt text (a block, catch, filled or if branch): it
    is the text before the first node, and each node's tail is spoken after it (§4.1).
    ECMAScript failures become error.semantic here, once (STYLE.md habit 4).
    """
    if text is not None and text.strip():
        ctx.queue_text(text, scope)
    for node in nodes:
        if node.foreign:
            continue
        handler = ELEMENT_HANDLERS.get(node.tag)
        try:
            if handler is None:
                if node.tag in PROMPT_CONTENT:
                    ctx.queue_ssml_node(node, scope)
                    result = None
                else:
                    continue
            else:
                result = handler(node, ctx, scope)
                if isinstance(result, GeneratorType):
                    result = yield from result
        except ScriptError as exc:
            result = Thrown(exc.event, exc.message, node.where)
        if result is not None:
            return result
        if text is not None and node.tail.strip():
            ctx.queue_text(node.tail, scope)
    return None
