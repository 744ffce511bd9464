"""A ctypes binding to the parts of spandsp 0.0.6 (Debian ``libspandsp2``) that fax needs.

Only what the fax adapter uses is bound: the audio fax terminal (``fax_state_t``, T.30 over
V.21/V.27ter/V.29/V.17), its T.30 settings and statistics, the modem connect-tone detector
(CNG/CED) and the G.711 codec. Every object spandsp allocates is owned by one Python object and
freed with it; callbacks are kept referenced for as long as spandsp may call them.

spandsp keeps no global state here and takes no locks: one instance must be used from one thread
at a time (the ``FaxSession`` above it serializes its callers).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
from ctypes import (
    CFUNCTYPE,
    POINTER,
    Structure,
    c_char_p,
    c_int,
    c_int16,
    c_uint8,
    c_void_p,
)

log = logging.getLogger(__name__)

SAMPLE_RATE = 8000
FRAME_SAMPLES = 160  # 20 ms at 8 kHz
FRAME_BYTES = FRAME_SAMPLES * 2  # 16-bit signed little-endian (native) PCM


class SpandspMissing(RuntimeError):
    """libspandsp2 is not installed (Debian: ``apt-get install libspandsp2``)."""


def _load() -> ctypes.CDLL:
    for name in (ctypes.util.find_library("spandsp"), "libspandsp.so.2", "libspandsp.so"):
        if not name:
            continue
        try:
            return ctypes.CDLL(name)
        except OSError:
            continue
    raise SpandspMissing("libspandsp (Debian package libspandsp2) is not installed")


_lib: ctypes.CDLL | None = None


def lib() -> ctypes.CDLL:
    """The loaded library with its prototypes declared (loaded once, on first use)."""
    global _lib
    if _lib is None:
        _lib = _declare(_load())
    return _lib


def available() -> bool:
    try:
        lib()
    except SpandspMissing:
        return False
    return True


# -- constants (spandsp 0.0.6 headers) ------------------------------------------------------------
# t30.h: modems, compressions
T30_SUPPORT_V27TER = 0x01
T30_SUPPORT_V29 = 0x02
T30_SUPPORT_V17 = 0x04
T30_SUPPORT_T4_1D_COMPRESSION = 0x02
T30_SUPPORT_T4_2D_COMPRESSION = 0x04
T30_SUPPORT_T6_COMPRESSION = 0x08
# t4_rx.h: the encoding reported in t30_stats_t.encoding
T4_ENCODINGS = {1: "T.4 1D (MH)", 2: "T.4 2D (MR)", 3: "T.6 (MMR)"}
# g711.h
G711_ALAW = 0
G711_ULAW = 1
# modem_connect_tones.h
MODEM_CONNECT_TONES_FAX_CNG = 1
MODEM_CONNECT_TONES_FAX_CED_OR_PREAMBLE = 7
# logging.h
SPAN_LOG_NONE = 0
SPAN_LOG_FLOW = 5
SPAN_LOG_SHOW_TAG = 0x2000
SPAN_LOG_SHOW_PROTOCOL = 0x0800

# t30.h: the phase E completion codes, in the header's order (the enum counts from 0).
T30_ERRORS: tuple[tuple[str, str], ...] = (
    ("OK", "OK"),
    ("CEDTONE", "The CED tone exceeded 5s"),
    ("T0_EXPIRED", "Timed out waiting for initial communication"),
    ("T1_EXPIRED", "Timed out waiting for the first message"),
    ("T3_EXPIRED", "Timed out waiting for procedural interrupt"),
    ("HDLC_CARRIER", "The HDLC carrier did not stop in a timely manner"),
    ("CANNOT_TRAIN", "Failed to train with any of the compatible modems"),
    ("OPER_INT_FAIL", "Operator intervention failed"),
    ("INCOMPATIBLE", "Far end is not compatible"),
    ("RX_INCAPABLE", "Far end is not able to receive"),
    ("TX_INCAPABLE", "Far end is not able to transmit"),
    ("NORESSUPPORT", "Far end cannot receive at the resolution of the image"),
    ("NOSIZESUPPORT", "Far end cannot receive at the size of image"),
    ("UNEXPECTED", "Unexpected message received"),
    ("TX_BADDCS", "Received bad response to DCS or training"),
    ("TX_BADPG", "Received a DCN from remote after sending a page"),
    ("TX_ECMPHD", "Invalid ECM response received from receiver"),
    ("TX_GOTDCN", "Received a DCN while waiting for a DIS"),
    ("TX_INVALRSP", "Invalid response after sending a page"),
    ("TX_NODIS", "Received other than DIS while waiting for DIS"),
    ("TX_PHBDEAD", "Received no response to DCS, training or TCF"),
    ("TX_PHDDEAD", "No response after sending a page"),
    ("TX_T5EXP", "Timed out waiting for receiver ready (ECM mode)"),
    ("RX_ECMPHD", "Invalid ECM response received from transmitter"),
    ("RX_GOTDCS", "DCS received while waiting for DTC"),
    ("RX_INVALCMD", "Unexpected command after page received"),
    ("RX_NOCARRIER", "Carrier lost during fax receive"),
    ("RX_NOEOL", "Timed out while waiting for EOL (end of line)"),
    ("RX_NOFAX", "Timed out while waiting for first line"),
    ("RX_T2EXPDCN", "Timer T2 expired while waiting for DCN"),
    ("RX_T2EXPD", "Timer T2 expired while waiting for phase D"),
    ("RX_T2EXPFAX", "Timer T2 expired while waiting for fax page"),
    ("RX_T2EXPMPS", "Timer T2 expired while waiting for next fax page"),
    ("RX_T2EXPRR", "Timer T2 expired while waiting for RR command"),
    ("RX_T2EXP", "Timer T2 expired while waiting for NSS, DCS or MCF"),
    ("RX_DCNWHY", "Unexpected DCN while waiting for DCS or DIS"),
    ("RX_DCNDATA", "Unexpected DCN while waiting for image data"),
    ("RX_DCNFAX", "Unexpected DCN while waiting for EOM, EOP or MPS"),
    ("RX_DCNPHD", "Unexpected DCN after EOM or MPS sequence"),
    ("RX_DCNRRD", "Unexpected DCN after RR/RNR sequence"),
    ("RX_DCNNORTN", "Unexpected DCN after requested retransmission"),
    ("FILEERROR", "TIFF/F file cannot be opened"),
    ("NOPAGE", "TIFF/F page not found"),
    ("BADTIFF", "TIFF/F format is not compatible"),
    ("BADPAGE", "TIFF/F page number tag missing"),
    ("BADTAG", "Incorrect values for TIFF/F tags"),
    ("BADTIFFHDR", "Bad TIFF/F header - incorrect values in fields"),
    ("NOMEM", "Cannot allocate memory for more pages"),
    ("RETRYDCN", "Disconnected after permitted retries"),
    ("CALLDROPPED", "The call dropped prematurely"),
    ("NOPOLL", "Poll not accepted"),
    ("IDENT_UNACCEPTABLE", "Far end's ident is not acceptable"),
    ("SUB_UNACCEPTABLE", "Far end's sub-address is not acceptable"),
    ("SEP_UNACCEPTABLE", "Far end's selective polling address is not acceptable"),
    ("PSA_UNACCEPTABLE", "Far end's polled sub-address is not acceptable"),
    ("SID_UNACCEPTABLE", "Far end's sender identification is not acceptable"),
    ("PWD_UNACCEPTABLE", "Far end's password is not acceptable"),
    ("TSA_UNACCEPTABLE", "Far end's transmitting subscriber internet address is not acceptable"),
    ("IRA_UNACCEPTABLE", "Far end's internet routing address is not acceptable"),
    ("CIA_UNACCEPTABLE", "Far end's calling subscriber internet address is not acceptable"),
    ("ISP_UNACCEPTABLE", "Far end's internet selective polling address is not acceptable"),
    ("CSA_UNACCEPTABLE", "Far end's called subscriber internet address is not acceptable"),
)
T30_ERR = {name: code for code, (name, _) in enumerate(T30_ERRORS)}


def completion_name(code: int) -> str:
    return T30_ERRORS[code][0] if 0 <= code < len(T30_ERRORS) else f"UNKNOWN_{code}"


def completion_text(code: int) -> str:
    return T30_ERRORS[code][1] if 0 <= code < len(T30_ERRORS) else f"unknown completion code {code}"


class T30Stats(Structure):
    """``t30_stats_t`` (t30.h, 0.0.6: 15 ints)."""

    _fields_ = [
        ("bit_rate", c_int),
        ("error_correcting_mode", c_int),
        ("pages_tx", c_int),
        ("pages_rx", c_int),
        ("pages_in_file", c_int),
        ("x_resolution", c_int),
        ("y_resolution", c_int),
        ("width", c_int),
        ("length", c_int),
        ("image_size", c_int),
        ("encoding", c_int),
        ("bad_rows", c_int),
        ("longest_bad_row_run", c_int),
        ("error_correcting_mode_retries", c_int),
        ("current_status", c_int),
    ]


PHASE_B_HANDLER = CFUNCTYPE(c_int, c_void_p, c_void_p, c_int)
PHASE_D_HANDLER = CFUNCTYPE(c_int, c_void_p, c_void_p, c_int)
PHASE_E_HANDLER = CFUNCTYPE(None, c_void_p, c_void_p, c_int)
MESSAGE_HANDLER = CFUNCTYPE(None, c_int, c_char_p)


def _declare(so: ctypes.CDLL) -> ctypes.CDLL:
    def fn(name: str, restype, *argtypes) -> None:
        f = getattr(so, name)
        f.restype = restype
        f.argtypes = list(argtypes)

    p16 = POINTER(c_int16)
    p8 = POINTER(c_uint8)
    # fax.h
    fn("fax_init", c_void_p, c_void_p, c_int)
    fn("fax_free", c_int, c_void_p)
    fn("fax_rx", c_int, c_void_p, p16, c_int)
    fn("fax_tx", c_int, c_void_p, p16, c_int)
    fn("fax_set_transmit_on_idle", None, c_void_p, c_int)
    fn("fax_get_t30_state", c_void_p, c_void_p)
    fn("fax_get_logging_state", c_void_p, c_void_p)
    # t30.h / t30_api.h
    fn("t30_set_tx_ident", c_int, c_void_p, c_char_p)
    fn("t30_get_rx_ident", c_char_p, c_void_p)
    fn("t30_set_tx_page_header_info", c_int, c_void_p, c_char_p)
    fn("t30_set_rx_file", None, c_void_p, c_char_p, c_int)
    fn("t30_set_tx_file", None, c_void_p, c_char_p, c_int, c_int)
    fn("t30_set_ecm_capability", c_int, c_void_p, c_int)
    fn("t30_set_supported_modems", c_int, c_void_p, c_int)
    fn("t30_set_supported_compressions", c_int, c_void_p, c_int)
    fn("t30_set_phase_b_handler", None, c_void_p, PHASE_B_HANDLER, c_void_p)
    fn("t30_set_phase_d_handler", None, c_void_p, PHASE_D_HANDLER, c_void_p)
    fn("t30_set_phase_e_handler", None, c_void_p, PHASE_E_HANDLER, c_void_p)
    fn("t30_get_transfer_statistics", None, c_void_p, POINTER(T30Stats))
    fn("t30_call_active", c_int, c_void_p)
    fn("t30_terminate", None, c_void_p)
    fn("t30_get_logging_state", c_void_p, c_void_p)
    # logging.h
    fn("span_log_set_level", c_int, c_void_p, c_int)
    fn("span_log_set_tag", c_int, c_void_p, c_char_p)
    fn("span_log_set_message_handler", None, c_void_p, MESSAGE_HANDLER)
    # modem_connect_tones.h
    fn("modem_connect_tones_rx_init", c_void_p, c_void_p, c_int, c_void_p, c_void_p)
    fn("modem_connect_tones_rx", c_int, c_void_p, p16, c_int)
    fn("modem_connect_tones_rx_get", c_int, c_void_p)
    fn("modem_connect_tones_rx_free", c_int, c_void_p)
    # plc.h
    fn("plc_init", c_void_p, c_void_p)
    fn("plc_free", c_int, c_void_p)
    fn("plc_rx", c_int, c_void_p, p16, c_int)
    fn("plc_fillin", c_int, c_void_p, p16, c_int)
    # g711.h
    fn("g711_init", c_void_p, c_void_p, c_int)
    fn("g711_free", c_int, c_void_p)
    fn("g711_encode", c_int, c_void_p, p8, p16, c_int)
    fn("g711_decode", c_int, c_void_p, p16, p8, c_int)
    return so


def modems_up_to(max_bit_rate: int) -> int:
    """The modem set for a top speed: 14400 V.17 (and below), 9600 V.29, 4800 V.27ter."""
    modems = T30_SUPPORT_V27TER
    if max_bit_rate >= 7200:
        modems |= T30_SUPPORT_V29
    if max_bit_rate >= 12000:
        modems |= T30_SUPPORT_V17
    return modems


def _pcm_in(pcm: bytes) -> tuple[ctypes.Array, int]:
    n = len(pcm) // 2
    buf = (c_int16 * n).from_buffer_copy(pcm[: n * 2])
    return buf, n


@MESSAGE_HANDLER
def _log_message(level: int, text: bytes) -> None:  # spandsp's log lines, to Python logging
    log.debug("spandsp: %s", (text or b"").decode("latin-1").rstrip())


class _SpandspObject:
    """A spandsp state the wrapper owns: ``close`` frees it with ``_free`` (once), and so does
    garbage collection."""

    _free = ""  # the spandsp function that frees this kind of state
    _state: object = None

    def close(self) -> None:
        if self._state:
            getattr(self._lib, self._free)(self._state)
            self._state = None

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass


class FaxTerminal(_SpandspObject):
    """One audio fax terminal (spandsp ``fax_state_t`` and its T.30 engine).

    ``calling`` is True for the party that placed the call (it listens for CED and sends CNG).
    Audio is 8 kHz signed 16-bit native-endian PCM, any block size (20 ms = 160 samples).
    """

    _free = "fax_free"

    def __init__(self, calling: bool, *, ecm: bool = True, ident: str = "",
                 header: str = "", max_bit_rate: int = 14400, debug_log: bool = False) -> None:
        self._lib = lib()
        self._state = self._lib.fax_init(None, 1 if calling else 0)
        if not self._state:
            raise MemoryError("fax_init failed")
        self.t30 = self._lib.fax_get_t30_state(self._state)
        self._lib.fax_set_transmit_on_idle(self._state, 1)
        self._lib.t30_set_supported_modems(self.t30, modems_up_to(max_bit_rate))
        compressions = T30_SUPPORT_T4_1D_COMPRESSION | T30_SUPPORT_T4_2D_COMPRESSION
        if ecm:
            compressions |= T30_SUPPORT_T6_COMPRESSION  # T.6 needs ECM
        self._lib.t30_set_supported_compressions(self.t30, compressions)
        self._lib.t30_set_ecm_capability(self.t30, 1 if ecm else 0)
        if ident:
            self._lib.t30_set_tx_ident(self.t30, ident.encode("ascii", "replace")[:20])
        if header:
            self._lib.t30_set_tx_page_header_info(self.t30, header.encode("ascii", "replace")[:50])
        self.completion: int | None = None
        self.negotiated = False
        self.pages_done = 0
        self.samples = 0
        self.page_ends: list[int] = []  # sample count at each page's phase D
        self.page_stats: list[T30Stats] = []
        self._phase_b = PHASE_B_HANDLER(self._on_phase_b)
        self._phase_d = PHASE_D_HANDLER(self._on_phase_d)
        self._phase_e = PHASE_E_HANDLER(self._on_phase_e)
        self._lib.t30_set_phase_b_handler(self.t30, self._phase_b, None)
        self._lib.t30_set_phase_d_handler(self.t30, self._phase_d, None)
        self._lib.t30_set_phase_e_handler(self.t30, self._phase_e, None)
        if debug_log:
            for state in (self._lib.fax_get_logging_state(self._state),
                          self._lib.t30_get_logging_state(self.t30)):
                self._lib.span_log_set_level(
                    state, SPAN_LOG_FLOW | SPAN_LOG_SHOW_TAG | SPAN_LOG_SHOW_PROTOCOL)
                self._lib.span_log_set_tag(state, b"caller" if calling else b"answerer")
                self._lib.span_log_set_message_handler(state, _log_message)
        self._out = (c_int16 * FRAME_SAMPLES)()

    # -- callbacks (run inside fax_rx / fax_tx, on the caller's thread) --------------------------
    def _on_phase_b(self, _t30: int, _user: int, _result: int) -> int:
        self.negotiated = True  # a DIS, DTC or DCS came: the far end speaks T.30
        return 0

    def _on_phase_d(self, _t30: int, _user: int, _result: int) -> int:
        self.pages_done += 1
        self.page_ends.append(self.samples)
        self.page_stats.append(self.stats())
        return 0

    def _on_phase_e(self, _t30: int, _user: int, code: int) -> None:
        self.completion = code

    # -- documents --------------------------------------------------------------------------------
    def set_tx_file(self, path: str) -> None:
        self._lib.t30_set_tx_file(self.t30, path.encode(), -1, -1)

    def set_rx_file(self, path: str) -> None:
        self._lib.t30_set_rx_file(self.t30, path.encode(), -1)

    # -- audio --------------------------------------------------------------------------------------
    def rx(self, pcm: bytes) -> None:
        buf, n = _pcm_in(pcm)
        if n:
            self.samples += n
            self._lib.fax_rx(self._state, buf, n)

    def tx(self, samples: int = FRAME_SAMPLES) -> bytes:
        if samples != len(self._out):
            self._out = (c_int16 * samples)()
        n = self._lib.fax_tx(self._state, self._out, samples)
        data = bytes(self._out)
        return data if n == samples else data[: n * 2] + bytes((samples - n) * 2)

    # -- state --------------------------------------------------------------------------------------
    def stats(self) -> T30Stats:
        st = T30Stats()
        self._lib.t30_get_transfer_statistics(self.t30, ctypes.byref(st))
        return st

    def remote_ident(self) -> str:
        raw = self._lib.t30_get_rx_ident(self.t30)
        return (raw or b"").decode("ascii", "replace").strip()

    def terminate(self) -> None:
        """The call is gone: T.30 ends now (phase E runs with the code it has reached)."""
        self._lib.t30_terminate(self.t30)



class ToneDetector(_SpandspObject):
    """spandsp's modem connect-tone detector: CNG (a calling fax) or CED/V.21 preamble (an
    answering fax). ``feed`` returns True once the tone has been heard."""

    _free = "modem_connect_tones_rx_free"

    def __init__(self, kind: str = "cng") -> None:
        self._lib = lib()
        tone = {"cng": MODEM_CONNECT_TONES_FAX_CNG,
                "ced": MODEM_CONNECT_TONES_FAX_CED_OR_PREAMBLE}[kind]
        self._state = self._lib.modem_connect_tones_rx_init(None, tone, None, None)
        if not self._state:
            raise MemoryError("modem_connect_tones_rx_init failed")
        self.heard = False

    def feed(self, pcm: bytes) -> bool:
        buf, n = _pcm_in(pcm)
        if n and not self.heard:
            self._lib.modem_connect_tones_rx(self._state, buf, n)
            self.heard = self._lib.modem_connect_tones_rx_get(self._state) != 0
        return self.heard



class G711(_SpandspObject):
    """spandsp's G.711 codec: linear PCM <-> µ-law (default) or A-law octets."""

    _free = "g711_free"

    def __init__(self, law: str = "ulaw") -> None:
        self._lib = lib()
        self._state = self._lib.g711_init(None, G711_ULAW if law == "ulaw" else G711_ALAW)

    def encode(self, pcm: bytes) -> bytes:
        buf, n = _pcm_in(pcm)
        out = (c_uint8 * n)()
        self._lib.g711_encode(self._state, out, buf, n)
        return bytes(out)

    def decode(self, octets: bytes) -> bytes:
        n = len(octets)
        src = (c_uint8 * n).from_buffer_copy(octets)
        out = (c_int16 * n)()
        self._lib.g711_decode(self._state, out, src, n)
        return bytes(out)



class PacketLossConcealment(_SpandspObject):
    """spandsp's PLC (what a VoIP jitter buffer does with a lost packet): pass every received
    frame through ``rx``; for a lost one, ``fill`` makes up a frame from the last pitch period."""

    _free = "plc_free"

    def __init__(self) -> None:
        self._lib = lib()
        self._state = self._lib.plc_init(None)

    def rx(self, pcm: bytes) -> bytes:
        buf, n = _pcm_in(pcm)
        self._lib.plc_rx(self._state, buf, n)
        return bytes(buf)

    def fill(self, samples: int = FRAME_SAMPLES) -> bytes:
        buf = (c_int16 * samples)()
        self._lib.plc_fillin(self._state, buf, samples)
        return bytes(buf)

