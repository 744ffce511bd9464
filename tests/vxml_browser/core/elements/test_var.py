"""``<var>`` (VoiceXML 2.0 §5.3.1): declares a variable in the scope of its parent element."""

from vxml_browser.testing.call import Call, vxml


def block(body: str, head: str = "") -> Call:
    return Call({"main.vxml": vxml(f"{head}<form><block>{body}</block></form>")})


def test_var_without_expr_is_undefined():
    call = block('<var name="x"/><log expr="typeof x"/>')
    call.logs("undefined")
    call.exits()


def test_var_expr_is_evaluated():
    call = block('<var name="x" expr="1 + 2"/><log expr="x"/>')
    call.logs("3")


def test_var_expr_sees_earlier_variables():
    call = block('<var name="a" expr="20"/><var name="b" expr="a * 2 + 2"/><log expr="b"/>')
    call.logs("42")


def test_var_in_block_is_gone_after_the_block():
    call = Call({"main.vxml": vxml(
        '<form><block><var name="x" expr="1"/></block><block><log expr="typeof x"/></block></form>'
    )})
    call.logs("undefined")


def test_var_in_form_is_a_dialog_variable():
    call = Call({"main.vxml": vxml(
        '<form><var name="x" expr="7"/><block><log expr="dialog.x"/></block></form>'
    )})
    call.logs("7")


def test_var_in_document_is_a_document_variable():
    call = block('<log expr="document.x"/>', head='<var name="x" expr="\'doc\'"/>')
    call.logs("doc")


def test_redeclaring_a_var_assigns_its_new_initial_value():
    call = block('<var name="x" expr="1"/><var name="x" expr="2"/><log expr="x"/>')
    call.logs("2")


def test_redeclaring_a_var_without_expr_makes_it_undefined():
    # §5.3.1: a <var> for a name already declared in the scope re-initializes it.
    call = block('<var name="x" expr="1"/><var name="x"/><log expr="typeof x"/>')
    call.logs("undefined")


def test_inner_var_shadows_outer_var():
    call = block('<var name="x" expr="\'block\'"/><log expr="x + \' \' + document.x"/>',
                 head='<var name="x" expr="\'doc\'"/>')
    call.logs("block doc")


def test_var_expr_error_is_error_semantic():
    call = block('<var name="x" expr="nosuch.y"/>')
    call.error("error.semantic")


def test_var_expr_with_object_literal():
    call = block('<var name="o" expr="({a: 1, b: [2, 3]})"/><log expr="o.b[1] + o.a"/>')
    call.logs("4")
