"""SIP message helpers: headers, INFO DTMF bodies, session.connection.* from an INVITE."""

from __future__ import annotations

from vxml_browser.adapters.sip.connection import connection_vars
from vxml_browser.adapters.sip.engine import info_digit, message_body, parse_headers
from vxml_browser.adapters.sip.pool import bye_request

INVITE = (
    "INVITE sip:1000@127.0.0.1:5070 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:5081;branch=z9hG4bK1\r\n"
    "f: \"Ann\" <sip:ann@example.com>;tag=abc\r\n"
    "To: <sip:1000@127.0.0.1>\r\n"
    "Diversion: <sip:2000@example.com>;reason=unconditional,\r\n"
    " <sip:3000@example.com>;reason=user-busy\r\n"
    "History-Info: <sip:4000@example.com>;index=1\r\n"
    "User-to-User: 6f726465722d3432;encoding=hex\r\n"
    "Content-Type: application/sdp\r\n"
    "\r\n"
    "v=0\r\n"
)


def test_headers_are_lower_case_with_compact_forms_and_folding() -> None:
    h = parse_headers(INVITE)
    assert h["from"] == ['"Ann" <sip:ann@example.com>;tag=abc']
    assert h["diversion"] == ["<sip:2000@example.com>;reason=unconditional, <sip:3000@example.com>;reason=user-busy"]
    assert message_body(INVITE) == "v=0\r\n"


def test_info_digits() -> None:
    assert info_digit("application/dtmf-relay", "Signal=5\r\nDuration=160\r\n") == "5"
    assert info_digit("application/dtmf-relay", "signal= *\r\n") == "*"
    assert info_digit("application/dtmf", "11") == "#"
    assert info_digit("application/dtmf", "3") == "3"
    assert info_digit("application/dtmf", "#") == "#"
    assert info_digit("text/plain", "5") is None
    assert info_digit("application/dtmf-relay", "Duration=160") is None


def test_connection_variables_from_the_invite() -> None:
    details = {"headers": parse_headers(INVITE), "local_uri": "<sip:1000@127.0.0.1>",
               "remote_uri": '"Ann" <sip:ann@example.com>'}
    c = connection_vars(details)["connection"]
    assert c["local"]["uri"] == "sip:1000@127.0.0.1"
    assert c["remote"]["uri"] == "sip:ann@example.com"
    assert c["originator"] == "sip:ann@example.com"
    assert c["protocol"]["name"] == "sip" and c["protocol"]["version"] == "2.0"
    assert [r["uri"] for r in c["redirect"]] == [
        "sip:2000@example.com", "sip:3000@example.com", "sip:4000@example.com"]
    assert c["redirect"][1]["reason"] == "user-busy"
    assert c["aai"] == "order-42"


def test_plain_user_to_user_is_kept_as_is() -> None:
    details = {"headers": {"user-to-user": ["order-42"]}, "remote_uri": "<sip:a@b>"}
    assert connection_vars(details)["connection"]["aai"] == "order-42"


def test_bye_for_an_orphaned_dialog() -> None:
    msg, addr = bye_request({"call_id": "c1", "local": "<sip:ivr@127.0.0.1>;tag=L",
                             "remote": "<sip:ann@127.0.0.1>;tag=R",
                             "contact": "<sip:ann@127.0.0.1:5081;ob>"}, 5300)
    text = msg.decode()
    assert addr == ("127.0.0.1", 5081)
    assert text.startswith("BYE sip:ann@127.0.0.1:5081;ob SIP/2.0\r\n")
    assert "From: <sip:ivr@127.0.0.1>;tag=L\r\n" in text and "To: <sip:ann@127.0.0.1>;tag=R\r\n" in text
    assert "Via: SIP/2.0/UDP 127.0.0.1:5300;" in text and "Call-ID: c1\r\n" in text
