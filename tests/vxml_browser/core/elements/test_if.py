"""``<if>``/``<elseif>``/``<else>`` (VoiceXML 2.0 §5.3.4)."""

import pytest

from vxml_browser.testing.call import Call, vxml


def block(body: str) -> Call:
    return Call({"main.vxml": vxml(f'<form><block><var name="x" expr="2"/>{body}</block></form>')})


CHAIN = ('<if cond="x == 1"><log>one</log><elseif cond="x == 2"/><log>two</log>'
         '<elseif cond="x == 3"/><log>three</log><else/><log>other</log></if>')


@pytest.mark.parametrize(("x", "logged"), [(1, "one"), (2, "two"), (3, "three"), (9, "other")])
def test_if_runs_exactly_the_first_branch_whose_cond_holds(x, logged):
    call = block(f'<assign name="x" expr="{x}"/>{CHAIN}<log>end</log>')
    call.logs(logged)
    call.logs("end")


def test_if_without_a_true_branch_runs_nothing():
    call = block('<if cond="x == 5"><log>five</log></if><log>end</log>')
    call.logs("end")


def test_if_elseif_runs_only_the_first_of_two_true_conds():
    call = block('<if cond="x == 1"><log>a</log><elseif cond="x &gt; 0"/><log>b</log>'
                 '<elseif cond="x == 2"/><log>c</log></if><log>end</log>')
    call.logs("b")
    call.logs("end")


def test_if_cond_uses_ecmascript_truthiness():
    call = block('<if cond="\'\'"><log>empty</log><elseif cond="\'0\'"/><log>string zero</log></if>')
    call.logs("string zero")


def test_if_branches_nest():
    call = block('<if cond="x &gt; 1"><if cond="x &gt; 5"><log>big</log><else/><log>middle</log></if></if>')
    call.logs("middle")


def test_if_branch_text_is_spoken():
    call = block('<if cond="x == 2">Two it is.<else/>Not two.</if>')
    call.hears("Two it is.")
    call.exits()


def test_else_branch_text_is_spoken():
    call = block('<if cond="x == 1">One.<else/>Not one.</if>')
    call.hears("Not one.")


def test_if_cond_error_is_error_semantic():
    call = block('<if cond="nosuch.y"><log>no</log></if>')
    call.error("error.semantic")


def test_goto_in_a_branch_stops_the_rest_of_the_block():
    call = Call({"main.vxml": vxml(
        '<form><block><if cond="true"><goto next="#b"/></if><log>not here</log></block></form>'
        '<form id="b"><block><log>b</log></block></form>'
    )})
    call.logs("b")
    call.exits()
