"""The caller that follows the suite's spoken instructions (conformance/caller.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from conformance.caller import (
    INSTRUCTIONS,
    NOMATCH_UTTERANCE,
    REALWORLD_SCRIPT,
    ScriptCaller,
    SuiteCaller,
    instruction_for,
)
from conformance.suite import XSLT_PATH
from conformance.transform import Transformer


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        ("\n      Say 'Chicago'.\n    ", ("speech", "say chicago")),
        ("Say 'San Francisco' again.", ("speech", "say san francisco")),
        ("Say 'Truth or Consequences' one more time.", ("speech", "say truth or consequences")),
        (" Press '1'. ", ("dtmf", "dtmf 1")),
        (" Press '5' again. ", ("dtmf", "dtmf 5")),
        (" Press '12#' one more time. ", ("dtmf", "dtmf 12#")),
        (" No input expected. Say nothing \n    .\n  ", ("noinput", "silence")),
        (" No input expected. Say nothing again for 5 seconds.", ("noinput", "silence")),
        (" Say something unrecognizable .", ("nomatch", f"say {NOMATCH_UTTERANCE}")),
        (" Hang up now. ", ("hangup", "hangup")),
        ("Recite a sentence containing the word 'London' again.",
         ("record-word", "say i would like to mention london today")),
        ("Recite your favorite nursery rhyme, for example, 'Little Miss Muffett'.",
         ("record-nonspeech", "say little miss muffet sat on her tuffet eating her curds and whey")),
        ("Say nothing. 1", ("say-nothing", "silence")),
        ("caught no input Say New York. 2", ("speech-unquoted", "say new york")),
        ("Say London.", ("speech-unquoted", "say london")),
        ("pass", None),
        ("First prompt expressly declared execution. 2.", None),
    ],
)
def test_instruction_table(prompt: str, expected: tuple[str, str] | None) -> None:
    assert instruction_for(prompt) == expected


def test_the_last_instruction_in_a_prompt_wins() -> None:
    assert instruction_for("Press '1'. Then Say 'Tokyo'.") == ("speech", "say tokyo")


def test_every_table_row_is_named_once() -> None:
    names = [row.name for row in INSTRUCTIONS]
    assert len(names) == len(set(names))


def _prompts_of(vxml: bytes) -> list[str]:
    root = etree.fromstring(vxml)
    return ["".join(p.itertext()) for p in root.iter("{http://www.w3.org/2001/vxml}prompt")]


def test_every_input_indicator_of_the_stylesheet_has_a_rule(suite_dir: Path) -> None:
    txml = b"""<vxml version="2.0" xmlns="http://www.w3.org/2001/vxml"
        xmlns:conf="http://www.w3.org/2002/vxml-conformance"><form><field name="f">
        <conf:speech value="bravo"/><conf:dtmf value="7"/><conf:noinput/>
        <conf:nomatch duration="3"/><conf:hangup/><conf:recording value="delta"/>
        <conf:recording value="nonspeech"/></field></form></vxml>"""
    prompts = _prompts_of(Transformer(suite_dir / XSLT_PATH).transform_bytes(txml))
    lines = {instruction_for(p) for p in prompts}
    assert lines == {
        ("speech", "say san francisco"), ("dtmf", "dtmf 7"), ("noinput", "silence"),
        ("nomatch", f"say {NOMATCH_UTTERANCE}"), ("hangup", "hangup"),
        ("record-word", "say i would like to mention london today"),
        ("record-nonspeech", "say little miss muffet sat on her tuffet eating her curds and whey"),
    }


def test_suite_caller_keeps_the_last_instruction_for_reprompts() -> None:
    caller = SuiteCaller()
    caller.hear({"event": "prompt", "text": "Press '1'.", "audio": []})
    listen = {"event": "listen", "modes": ["dtmf", "voice"], "phase": "start"}
    assert caller.respond(listen) == "dtmf 1"
    caller.hear({"event": "prompt", "text": "nomatch handler ran", "audio": []})
    assert caller.respond(listen) == "dtmf 1"
    caller.hear({"event": "prompt", "text": "Say 'London'.", "audio": []})
    assert caller.respond(listen) == "say london"
    assert caller.prompts == ["Press '1'.", "nomatch handler ran", "Say 'London'."]


def test_suite_caller_is_silent_without_instructions_and_after_its_input() -> None:
    caller = SuiteCaller()
    assert caller.respond({"event": "listen", "phase": "start"}) == "silence"
    caller.hear({"event": "prompt", "text": "Press '12'.", "audio": []})
    assert caller.respond({"event": "listen", "phase": "interdigit"}) == "silence"


def test_suite_caller_gives_up_on_a_looping_test() -> None:
    caller = SuiteCaller(max_turns=3)
    answers = [caller.respond({"event": "listen", "phase": "start"}) for _ in range(4)]
    assert answers == ["silence", "silence", "silence", "hangup"]
    assert caller.gave_up


def test_script_caller_follows_the_realworld_script_then_hangs_up() -> None:
    caller = ScriptCaller()
    answers = [caller.respond({"event": "listen"}) for _ in range(len(REALWORLD_SCRIPT) + 2)]
    assert answers == ["silence", "silence", "dtmf 1", "dtmf 2", "dtmf #", "hangup",
                       "hangup", "hangup"]
    assert caller.hung_up


def test_transfer_waits_follow_the_tests_environment() -> None:
    from conformance.caller import TRANSFER_ENVIRONMENT

    assert SuiteCaller().respond({"event": "transfer", "dest": "tel:1"}) == "silence"
    caller = SuiteCaller(transfer_line=TRANSFER_ENVIRONMENT["cudl/290"])
    caller.hear({"event": "prompt", "text": "Press '1'.", "audio": []})
    assert caller.respond({"event": "transfer", "dest": "tel:1"}) == "say chicago"
    assert TRANSFER_ENVIRONMENT["cudl/301"] == "transfer busy"
