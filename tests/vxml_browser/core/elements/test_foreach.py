"""``<foreach>`` (VoiceXML 2.1 §6): executable content once per element of an array."""

from vxml_browser.testing.call import Call, vxml


def block(body: str) -> Call:
    return Call({"main.vxml": vxml(
        f"<form><block><var name=\"a\" expr=\"['x', 'y', 'z']\"/>{body}</block></form>"
    )})


def test_foreach_runs_once_per_element():
    call = block('<foreach item="e" array="a"><log expr="e"/></foreach>')
    assert call.log_texts == ["x", "y", "z"]


def test_foreach_over_an_empty_array_runs_nothing():
    call = block('<foreach item="e" array="[]"><log expr="e"/></foreach><log>end</log>')
    assert call.log_texts == ["end"]


def test_foreach_item_variable_is_visible_to_expressions():
    call = block('<var name="s" expr="\'\'"/><foreach item="e" array="a"><assign name="s" expr="s + e"/>'
                 '</foreach><log expr="s"/>')
    call.logs("xyz")


def test_foreach_over_a_non_array_is_error_semantic():
    call = block('<foreach item="e" array="\'abc\'"><log expr="e"/></foreach>')
    call.error("error.semantic", "<foreach> array ''abc'' is not an array")


def test_foreach_over_an_undefined_array_is_error_semantic():
    call = block('<var name="u"/><foreach item="e" array="u"><log expr="e"/></foreach>')
    call.error("error.semantic")


def test_foreach_text_becomes_prompts():
    call = block('<foreach item="e" array="a"><prompt><value expr="e"/></prompt></foreach>')
    call.hears("x")
    call.hears("y")
    call.hears("z")


def test_foreach_may_exit_early():
    call = block('<foreach item="e" array="a"><log expr="e"/><if cond="e == \'y\'"><exit expr="e"/></if></foreach>')
    assert call.log_texts == ["x", "y"]
    call.exits("y")


def test_foreach_nested():
    call = block('<foreach item="i" array="[1, 2]"><foreach item="j" array="[3, 4]">'
                 '<log expr="i * j"/></foreach></foreach>')
    assert call.log_texts == ["3", "4", "6", "8"]


def test_foreach_array_of_objects():
    call = block('<foreach item="p" array="[{n: \'ann\'}, {n: \'bob\'}]"><log expr="p.n"/></foreach>')
    assert call.log_texts == ["ann", "bob"]
