"""``<block>`` (VoiceXML 2.0 §2.3.2): a form item of executable content, visited once."""

from vxml_browser.testing.call import Call, vxml


def test_block_text_is_a_prompt():
    call = Call({"main.vxml": vxml("<form><block>Hello.</block></form>")})
    call.hears("Hello.")
    call.exits()


def test_block_runs_its_content_in_order():
    call = Call({"main.vxml": vxml("<form><block><log>1</log>Two.<log>3</log></block></form>")})
    assert call.log_texts == ["1", "3"]
    call.hears("Two.")


def test_block_variable_is_true_after_the_visit():
    call = Call({"main.vxml": vxml('<form><block name="b"/><block><exit expr="b"/></block></form>')})
    call.exits(True)


def test_block_variable_is_set_before_its_content_runs():
    call = Call({"main.vxml": vxml('<form><block name="b"><exit expr="b"/></block></form>')})
    call.exits(True)


def test_block_with_expr_is_not_visited():
    call = Call({"main.vxml": vxml('<form><block expr="true"><log>no</log></block><block><exit/></block></form>')})
    assert call.log_texts == []


def test_clearing_a_block_variable_visits_it_again():
    call = Call({"main.vxml": vxml(
        '<form><var name="n" expr="0"/><block name="b"><assign name="n" expr="n + 1"/>'
        '<if cond="n &lt; 3"><clear namelist="b"/></if></block><block><exit expr="n"/></block></form>'
    )})
    call.exits(3)


def test_a_form_of_blocks_only_ends_the_call_after_the_last():
    call = Call({"main.vxml": vxml("<form><block>One.</block><block>Two.</block></form>")})
    assert call.unheard() == ["One.", "Two."]
    call.exits(None)
