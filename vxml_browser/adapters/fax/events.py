"""The fax failures as VoiceXML events: one table from spandsp's T.30 completion codes.

An ``<object classid="builtin:fax/...">`` that fails throws one of these (VoiceXML 2.0 §2.3.5:
an object's errors are ``error.*`` events the application catches). The README lists them with
what a caller hears or sees in each case.
"""

from __future__ import annotations

NOTFAX = "error.fax.notfax"  # no fax answered: a voice caller, silence, a CED that never ends
CUTOFF = "error.fax.cutoff"  # the call or the carrier went away during the transfer
BADPAGE = "error.fax.badpage"  # a page arrived damaged or was refused after the allowed retries
INCOMPATIBLE = "error.fax.incompatible"  # negotiation failed: no common modem, size or resolution
BADDOCUMENT = "error.fax.baddocument"  # the document to send cannot be read or converted
PROTOCOL = "error.fax.protocol"  # any other T.30 procedure error
STORE = "error.fax.store"  # the received fax could not be stored
TIMEOUT = "error.fax.timeout"  # the object's own time limit (the ``timeout`` param) ran out

# spandsp T.30 completion code name (spandsp.T30_ERRORS) -> the event thrown. Codes not listed
# throw PROTOCOL; OK throws nothing.
T30_EVENTS: dict[str, str] = {
    # nothing on the line speaks T.30
    "CEDTONE": NOTFAX,
    "T0_EXPIRED": NOTFAX,
    "T1_EXPIRED": NOTFAX,
    "TX_NODIS": NOTFAX,
    "TX_GOTDCN": NOTFAX,
    # negotiation
    "CANNOT_TRAIN": INCOMPATIBLE,
    "INCOMPATIBLE": INCOMPATIBLE,
    "RX_INCAPABLE": INCOMPATIBLE,
    "TX_INCAPABLE": INCOMPATIBLE,
    "NORESSUPPORT": INCOMPATIBLE,
    "NOSIZESUPPORT": INCOMPATIBLE,
    "TX_BADDCS": INCOMPATIBLE,
    "TX_PHBDEAD": INCOMPATIBLE,
    # the call or the carrier went away
    "CALLDROPPED": CUTOFF,
    "HDLC_CARRIER": CUTOFF,
    "RX_NOCARRIER": CUTOFF,
    "TX_PHDDEAD": CUTOFF,
    "TX_T5EXP": CUTOFF,
    "RX_T2EXPDCN": CUTOFF,
    "RX_T2EXPD": CUTOFF,
    "RX_T2EXPFAX": CUTOFF,
    "RX_T2EXPMPS": CUTOFF,
    "RX_T2EXPRR": CUTOFF,
    "RX_T2EXP": CUTOFF,
    "RX_DCNWHY": CUTOFF,
    "RX_DCNDATA": CUTOFF,
    "RX_DCNFAX": CUTOFF,
    "RX_DCNPHD": CUTOFF,
    "RX_DCNRRD": CUTOFF,
    # pages that did not make it
    "TX_BADPG": BADPAGE,
    "TX_ECMPHD": BADPAGE,
    "TX_INVALRSP": BADPAGE,
    "RX_ECMPHD": BADPAGE,
    "RX_NOEOL": BADPAGE,
    "RX_NOFAX": BADPAGE,
    "RX_DCNNORTN": BADPAGE,
    "RETRYDCN": BADPAGE,
    # the document (our side)
    "FILEERROR": BADDOCUMENT,
    "NOPAGE": BADDOCUMENT,
    "BADTIFF": BADDOCUMENT,
    "BADPAGE": BADDOCUMENT,
    "BADTAG": BADDOCUMENT,
    "BADTIFFHDR": BADDOCUMENT,
    "NOMEM": BADDOCUMENT,
}

# Exceptions to the table, next to it:
# - on a receive, a file error is our store's, not a document's (STORE);
# - a failure before any T.30 negotiation frame (DIS, DTC, DCS) was heard means no fax machine
#   was there (NOTFAX): the answerer's DIS retries running out (RETRYDCN) with a voice caller,
#   a call that drops while the greeting plays. Document errors stay what they are.
RECEIVE_FILE_ERRORS = frozenset({"FILEERROR", "NOMEM"})


def event_for(code_name: str, *, receiving: bool, negotiated: bool) -> str | None:
    """The VoiceXML event for a T.30 completion (None when the fax went through)."""
    if code_name == "OK":
        return None
    if receiving and code_name in RECEIVE_FILE_ERRORS:
        return STORE
    event = T30_EVENTS.get(code_name, PROTOCOL)
    if not negotiated and event not in (BADDOCUMENT, STORE):
        return NOTFAX
    return event


# Every event the fax objects can throw, for the README and its test.
ALL_EVENTS = (NOTFAX, CUTOFF, BADPAGE, INCOMPATIBLE, BADDOCUMENT, PROTOCOL, STORE, TIMEOUT)
