"""The FIA's select phase (VoiceXML 2.0 Appendix C, §2.1.6): the first form item whose guard
condition holds, unless ``<goto nextitem>`` named one."""

from vxml_browser.testing.call import Call, dtmf, vxml


def form(items: str) -> Call:
    return Call({"main.vxml": vxml(f"<form>{items}</form>")})


def test_items_are_visited_in_document_order():
    call = form('<block><log>a</log></block><block><log>b</log></block><block><log>c</log></block>')
    assert call.log_texts == ["a", "b", "c"]
    call.exits()


def test_a_visited_block_is_not_selected_again():
    call = form('<var name="n" expr="0"/><block><assign name="n" expr="n + 1"/></block>'
                '<block><log expr="n"/></block>')
    assert call.log_texts == ["1"]


def test_an_item_with_a_false_cond_is_skipped():
    call = form('<block cond="false"><log>a</log></block><block><log>b</log></block>')
    assert call.log_texts == ["b"]


def test_cond_is_evaluated_at_selection_time():
    call = form('<var name="go" expr="false"/><block><assign name="go" expr="true"/></block>'
                '<block cond="go"><log>selected</log></block>')
    call.logs("selected")


def test_an_item_with_an_expr_is_already_filled():
    call = form('<field name="f" expr="\'preset\'">' + dtmf("1") + '</field><block><log expr="f"/></block>')
    call.logs("preset")


def test_an_item_whose_expr_is_undefined_is_visited():
    call = form('<field name="f" expr="undefined">' + dtmf("1") + '<prompt>Press.</prompt></field>')
    call.hears("Press.")


def test_a_filled_field_is_not_selected_again():
    call = form('<field name="f">' + dtmf("1") + '<prompt>Press.</prompt></field><block><log expr="f"/></block>')
    call.hears("Press.")
    call.press("1")
    call.logs("1")
    call.hears_nothing()
    call.exits()


def test_assigning_a_form_item_variable_skips_it():
    call = form('<block><assign name="f" expr="\'set\'"/></block>'
                '<field name="f">' + dtmf("1") + '<prompt>Press.</prompt></field><block><log expr="f"/></block>')
    call.logs("set")
    call.hears_nothing()


def test_the_form_ends_when_no_item_is_left():
    call = form('<field name="f" cond="false">' + dtmf("1") + "</field>")
    call.exits(None)


def test_goto_nextitem_overrides_document_order():
    call = form('<block name="a"><goto nextitem="c"/></block><block name="b"><log>b</log></block>'
                '<block name="c"><log>c</log></block>')
    assert call.log_texts == ["c", "b"]


def test_goto_nextitem_ignores_the_cond_of_its_target():
    call = form('<block name="a"><goto nextitem="c"/></block><block name="c" cond="false"><log>c</log></block>')
    assert call.log_texts == ["c"]


def test_a_cond_error_is_error_semantic():
    call = form('<block cond="nosuch.x"><log>no</log></block>')
    call.error("error.semantic")


def test_guard_condition_sees_dialog_variables():
    call = form('<var name="mode" expr="\'b\'"/><block cond="mode == \'a\'"><log>a</log></block>'
                '<block cond="mode == \'b\'"><log>b</log></block>')
    assert call.log_texts == ["b"]
