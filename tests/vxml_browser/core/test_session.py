"""The Session facade: the one entry point where a bug becomes an ending (h11's shape)."""

from vxml_browser.core.actions import Error, Exit, Fetch
from vxml_browser.core.inputs import Ack, Start
from vxml_browser.core.session import Session


def test_an_internal_error_ends_the_call_with_an_error_action_not_an_exception():
    session = Session()
    assert isinstance(session.start(Start("http://test/main.vxml")), Fetch)
    error = session.send(object())  # not an input: the interpreter's assertion fails inside
    assert isinstance(error, Error)
    assert error.name == "error.platform"
    assert error.message.startswith("internal error: AssertionError")
    assert session.send(Ack()) == Exit(None, "error")
    assert session.done
