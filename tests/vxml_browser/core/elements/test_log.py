"""``<log>`` (VoiceXML 2.0 §5.3.13): a debug message to the platform, never to the caller."""

from vxml_browser.testing.call import Call, vxml


def block(body: str) -> Call:
    return Call({"main.vxml": vxml(f'<form><block><var name="n" expr="7"/>{body}</block></form>')})


def test_log_sends_its_text():
    call = block("<log>hello there</log>")
    call.logs("hello there")


def test_log_text_with_values():
    call = block('<log>n is <value expr="n"/> and n+1 is <value expr="n + 1"/>.</log>')
    call.logs("n is 7 and n+1 is 8.")


def test_log_expr():
    call = block("<log expr=\"'n=' + n\"/>")
    call.logs("n=7")


def test_log_label():
    call = block('<log label="debug">x</log>')
    call.logs("x", label="debug")


def test_log_with_an_attribute_it_does_not_have_is_error_badfetch():
    call = block("<log labelexpr=\"'l'\">x</log>")
    call.error("error.badfetch", "http://test/main.vxml:3: <log> has unknown attribute 'labelexpr': "
                                 "expected one of 'expr', 'label'")


def test_log_whitespace_is_normalized():
    call = block("<log>\n   two    words\n </log>")
    call.logs("two words")


def test_log_is_not_heard():
    call = block("<log>quiet</log>")
    call.logs("quiet")
    call.hears_nothing()
    call.exits()


def test_log_value_error_is_error_semantic():
    call = block('<log><value expr="nosuch.x"/></log>')
    call.error("error.semantic")
    assert call.log_texts == []


def test_logs_keep_document_order_with_prompts():
    call = block("Before.<log>between</log>After.")
    call.logs("between")
    call.hears("Before.")
    call.hears("After.")
