"""``<assign>`` (VoiceXML 2.0 §5.3.2): assigns to a variable that must already be declared."""

from vxml_browser.testing.call import Call, vxml


def block(body: str, head: str = "", form_head: str = "") -> Call:
    return Call({"main.vxml": vxml(f"{head}<form>{form_head}<block>{body}</block></form>")})


def test_assign_sets_a_declared_variable():
    call = block('<var name="x" expr="1"/><assign name="x" expr="x + 41"/><log expr="x"/>')
    call.logs("42")


def test_assign_to_an_undeclared_variable_is_error_semantic():
    call = block('<assign name="nosuch" expr="1"/>')
    call.error("error.semantic", "assignment to undeclared variable 'nosuch'")


def test_assign_to_an_undeclared_variable_can_be_caught():
    call = block('<assign name="nosuch" expr="1"/>',
                 form_head='<catch event="error.semantic"><log>caught <value expr="_event"/></log></catch>')
    call.logs("caught error.semantic")
    call.exits()


def test_assign_updates_the_declaring_outer_scope():
    call = Call({"main.vxml": vxml(
        '<var name="x" expr="0"/><form><block><assign name="x" expr="5"/></block>'
        '<block><log expr="document.x"/></block></form>'
    )})
    call.logs("5")


def test_assign_to_a_scope_qualified_name():
    call = block('<assign name="application.x" expr="\'app\'"/><log expr="x"/>',
                 head='<var name="x" expr="\'doc\'"/>')
    call.logs("app")


def test_assign_to_a_dialog_variable_by_qualified_name():
    call = block('<assign name="dialog.d" expr="3"/><log expr="d"/>', form_head='<var name="d"/>')
    call.logs("3")


def test_assign_to_an_undeclared_qualified_name_is_error_semantic():
    call = block('<assign name="dialog.nosuch" expr="3"/>')
    call.error("error.semantic")


def test_assign_to_an_object_property():
    call = block('<var name="o" expr="({})"/><assign name="o.a" expr="\'p\'"/><log expr="o.a"/>')
    call.logs("p")


def test_assign_expr_error_is_error_semantic():
    call = block('<var name="x"/><assign name="x" expr="undefinedThing()"/>')
    call.error("error.semantic")
