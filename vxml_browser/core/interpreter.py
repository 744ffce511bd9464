"""An execution context: the application, document and dialog a session (or a subdialog) is in.

VoiceXML 2.0 §1.5.2 (application root documents and their scope), §2.3.4 (a subdialog runs in
a new execution context sharing the session), §5.1 (scopes). The FIA itself lives in ``fia``;
this module holds what executable content needs from its surroundings: scopes, the prompt
queue, properties, URI resolution and fetching (as ``Fetch`` actions).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urldefrag, urljoin

from .actions import Fetch, FetchAttrs, FetchKind, Play, Prompt
from .events import Thrown
from .inputs import Fetched, FetchFailed, Hangup, Recording
from .model import Document, DocumentError, Node, parse_document
from .model.document import MAX_DOCUMENT_BYTES
from .outcomes import Goto, Outcome
from .prompt_queue import PromptQueue, PromptRenderer
from .properties import DEFAULTS, parse_time
from .scripting import UNDEFINED, JSObject, Scope, ScriptEngine, ScriptError
from .scripting.numbers import number_to_string

if TYPE_CHECKING:
    from .fia.form import FormState


class DocumentCache:
    """Parsed documents keyed by (URI, validator); shared by the calls of a process."""

    def __init__(self, limit: int = 512) -> None:
        self.limit = limit
        self._docs: dict[tuple[str, str], Document] = {}

    def get(self, uri: str, validator: str) -> Document | None:
        if not validator:
            return None
        return self._docs.get((uri, validator))

    def put(self, uri: str, validator: str, doc: Document) -> None:
        if not validator:
            return
        if len(self._docs) >= self.limit:
            self._docs.pop(next(iter(self._docs)))
        self._docs[(uri, validator)] = doc


@dataclass(slots=True)
class SessionState:
    """What all execution contexts of one call share."""

    engine: ScriptEngine
    scope: Scope
    documents: DocumentCache
    queue: PromptQueue = field(default_factory=PromptQueue)
    trace: Callable[[str, str], None] | None = None
    recordings: dict[int, Recording] = field(default_factory=dict)
    grammars: dict[Any, tuple[Any, Any]] = field(default_factory=dict)
    hung_up: bool = False
    hangups: int = 0
    steps: int = 0
    max_steps: int = 10_000
    max_document_bytes: int = MAX_DOCUMENT_BYTES
    max_grammar_bytes: int = MAX_DOCUMENT_BYTES

    def step(self) -> bool:
        """Count one FIA iteration; False once the document has looped ``max_steps`` times
        without waiting for the caller (a transition loop)."""
        self.steps += 1
        return self.steps <= self.max_steps


class Interpreter:
    """One execution context (VoiceXML 2.0 §1.5.2, §2.3.4)."""

    def __init__(self, session: SessionState, *, in_subdialog: bool = False) -> None:
        self.session = session
        self.engine = session.engine
        self.in_subdialog = in_subdialog
        self.app_uri: str | None = None
        self.app_doc: Document | None = None
        self.app_scope: Scope = self.engine.new_scope("application", session.scope)
        self.doc: Document | None = None
        self.doc_scope: Scope = self.app_scope
        self.form: FormState | None = None
        self.enumeration: Callable[[], list[tuple[str, str | None, Node | None]]] | None = None
        self.reprompt = False
        self._prop_cache: dict[int, dict[str, str]] = {}
        self._prop_memo: dict[tuple[int, str], str] = {}
        self._fetch_memo: dict[tuple[int, str], FetchAttrs] = {}
        self.collect_memo: dict[int, Any] = {}

    def session_grammars(self) -> dict[Any, tuple[Any, Any]]:
        """Compiled grammars of this call, keyed by the node they came from."""
        return self.session.grammars

    def reset_properties(self) -> None:
        """Forget resolved properties: the application root (the outermost container) changed."""
        self._prop_cache.clear()
        self._prop_memo.clear()
        self._fetch_memo.clear()
        self.collect_memo.clear()

    # --- tracing -----------------------------------------------------------------------
    def trace(self, node: Node | None, what: str) -> None:
        if self.session.trace is not None:
            self.session.trace(node.where if node is not None else "", what)

    # --- URIs and fetching -------------------------------------------------------------
    @property
    def base_uri(self) -> str:
        return self.doc.base if self.doc is not None else ""

    def base_for(self, where: Node | str | None) -> str:
        """The base URI of the document that holds ``where`` (a node or a document URI):
        a reference in the application root resolves against the root, not the leaf."""
        uri = where.uri if isinstance(where, Node) else where
        if uri is None:
            return self.base_uri
        for doc in (self.doc, self.app_doc):
            if doc is not None and doc.uri == uri:
                return doc.base
        return uri

    def resolve_uri(self, uri: str, where: Node | str | None = None) -> str:
        """``uri`` resolved against the base of the document holding ``where`` (§1.5.1).

        A malformed URI raises error.badfetch (carried by a ``ScriptError``, which the
        executable-content runner and the FIA turn into the event).
        """
        try:
            absolute = resolve_reference(self.base_for(where), uri)
            urldefrag(absolute)
        except ValueError as exc:
            raise ScriptError(f"malformed URI '{uri}': {exc}", "error.badfetch") from None
        return absolute

    def fetch_attrs(self, node: Node | None, kind: FetchKind) -> FetchAttrs:
        """Fetch attributes from the element, defaulted from the properties (§6.1.1, §6.3.5)."""
        key = (id(node), kind)
        attrs = self._fetch_memo.get(key)
        if attrs is None:
            attrs = self._fetch_memo[key] = self._fetch_attrs(node, kind)
        return attrs

    def _fetch_attrs(self, node: Node | None, kind: FetchKind) -> FetchAttrs:
        prefix = {"document": "document", "grammar": "grammar", "script": "script",
                  "data": "data", "audio": "audio"}[kind]
        get = (lambda a: node.get(a)) if node is not None else (lambda a: None)
        timeout = get("fetchtimeout") or self.prop("fetchtimeout", node)
        maxage = get("maxage") or self.prop(f"{prefix}maxage", node)
        maxstale = get("maxstale") or self.prop(f"{prefix}maxstale", node)
        hint = get("fetchhint") or self.prop(f"{prefix}fetchhint", node)
        try:
            timeout_s = parse_time(timeout, 30.0)
        except ValueError:
            timeout_s = 30.0
        return FetchAttrs(
            timeout_s=timeout_s,
            maxage=_int_or_none(maxage),
            maxstale=_int_or_none(maxstale),
            hint="prefetch" if hint == "prefetch" else "safe",
        )

    def fetch_resource(
        self, uri: str, node: Node | None, scope: Scope | None, *, kind: FetchKind,
        method: str = "GET", params: tuple[tuple[str, Any], ...] = (),
        enctype: str = "application/x-www-form-urlencoded",
    ) -> Generator[Any, Any, Fetched | Thrown]:
        """Fetch ``uri`` (resolved against the current document); failures become events."""
        absolute, _ = urldefrag(self.resolve_uri(uri, node))
        where = node.where if node is not None else ""
        if not absolute:
            return Thrown("error.badfetch", f"cannot fetch '{uri}'", where)
        fetchaudio = None
        if node is not None and kind in ("document", "data"):
            fetchaudio = node.get("fetchaudio") or self.prop("fetchaudio", node) or None
            if fetchaudio:
                fetchaudio = self.resolve_uri(fetchaudio, node)
        if self.session.queue and fetchaudio:
            # Queued prompts play before fetchaudio starts (§6.1.2); without fetchaudio they
            # stay queued until the next wait point, so they remain bargeable (§4.1.8).
            result = yield Play(self.session.queue.flush())
            if isinstance(result, Hangup):
                self.session.hung_up = True
                return Thrown("connection.disconnect.hangup", "the caller hung up", where)
        action = Fetch(
            uri=absolute, kind=kind, method="POST" if method == "POST" else "GET",
            params=params, enctype=enctype, attrs=self.fetch_attrs(node, kind), fetchaudio=fetchaudio,
        )
        result = yield action
        if isinstance(result, Fetched):
            return result
        if isinstance(result, Hangup):
            self.session.hung_up = True
            return Thrown("connection.disconnect.hangup", "the caller hung up", where)
        assert isinstance(result, FetchFailed), result
        name = "error.badfetch"
        if result.status:
            name = f"error.badfetch.http.{result.status}"
        reason = f": {result.reason}" if result.reason else ""
        status = f" (HTTP {result.status})" if result.status else ""
        return Thrown(name, f"could not fetch {absolute}{status}{reason}", where)

    def load_document(
        self, uri: str, node: Node | None, scope: Scope | None, *, method: str = "GET",
        params: tuple[tuple[str, Any], ...] = (),
        enctype: str = "application/x-www-form-urlencoded",
    ) -> Generator[Any, Any, Document | Thrown]:
        """Fetch and parse a VoiceXML document (cached by URI and validator)."""
        fetched = yield from self.fetch_resource(
            uri, node, scope, kind="document", method=method, params=params, enctype=enctype
        )
        if isinstance(fetched, Thrown):
            return fetched
        cache = self.session.documents
        limit = self.session.max_document_bytes
        fits = len(fetched.content) <= limit  # the cache is shared: it may hold a larger document
        doc = cache.get(fetched.uri, fetched.validator) if method == "GET" and fits else None
        if doc is not None:
            return doc
        try:
            doc = parse_document(fetched.content, fetched.uri, max_bytes=limit)
        except DocumentError as exc:
            return Thrown("error.badfetch", str(exc), node.where if node is not None else "")
        if method == "GET":
            cache.put(fetched.uri, fetched.validator, doc)
        return doc

    def transition(
        self, uri: str, node: Node, scope: Scope, *, method: str = "GET",
        params: tuple[tuple[str, Any], ...] = (),
        enctype: str = "application/x-www-form-urlencoded", submit: bool = False,
    ) -> Generator[Any, Any, Outcome]:
        """A ``<goto>``/``<submit>``/``<link>``/``<choice>`` target as a ``Goto`` (§5.3.7)."""
        uri = uri.strip()
        if uri.startswith("#") and not submit:
            dialog = uri[1:]
            if self.doc is None or dialog not in self.doc.dialogs:
                return Thrown("error.badfetch", f"no dialog '{dialog}' in {self.base_uri}", node.where)
            return Goto(dialog=dialog)
        absolute = self.resolve_uri(uri, node)
        doc_uri, fragment = urldefrag(absolute)
        doc = yield from self.load_document(doc_uri, node, scope, method=method, params=params, enctype=enctype)
        if isinstance(doc, Thrown):
            return doc
        if fragment and fragment not in doc.dialogs:
            return Thrown("error.badfetch", f"no dialog '{fragment}' in {doc.uri}", node.where)
        return Goto(document=doc, dialog=fragment or None, submitted=submit)

    @staticmethod
    def decode(content: bytes, charset: str | None) -> str:
        try:
            return content.decode(charset or "utf-8")
        except (UnicodeDecodeError, LookupError):
            return content.decode("latin-1")

    # --- values sent to servers --------------------------------------------------------
    def submit_values(self, name: str, value: Any) -> list[tuple[str, Any]]:
        """(name, value) pairs for a namelist entry; objects are flattened as ``name.prop``."""
        if isinstance(value, JSObject):
            rec = self.recording_of(value)
            if rec is not None:
                return [(name, rec)]
            data = self.engine.to_py(value)
            return _flatten(name, data)
        if value is UNDEFINED:
            return [(name, "undefined")]
        return [(name, self.engine.to_string(value))]

    def recording_of(self, value: Any) -> Recording | None:
        if not isinstance(value, JSObject):
            return None
        data = self.engine.to_py(value)
        if isinstance(data, dict) and "__recording" in data:
            return self.session.recordings.get(int(data["__recording"]))
        return None

    def recording_uri(self, value: Any) -> str | None:
        rec = self.recording_of(value)
        return rec.uri or f"recording:{id(rec)}" if rec is not None else None

    def recording_value(self, rec: Recording) -> Any:
        """A JS object standing for a recording (its size, type and duration visible)."""
        key = len(self.session.recordings) + 1
        self.session.recordings[key] = rec
        return self.engine.new_object(
            {"__recording": key, "size": len(rec.data), "type": rec.media_type,
             "duration": rec.duration_ms, "uri": rec.uri}
        )

    # --- properties ----------------------------------------------------------------------
    def _props_of(self, node: Node) -> dict[str, str]:
        props = self._prop_cache.get(id(node))
        if props is None:
            props = {}
            for child in node.children:
                if child.tag == "property" and not child.foreign:
                    props[child.get("name") or ""] = child.get("value") or ""
            self._prop_cache[id(node)] = props
        return props

    def prop(self, name: str, node: Node | None = None) -> str:
        """A property's value, innermost container first, then the root document (§6.3).

        Properties are static within a document, so each (node, name) is resolved once.
        """
        key = (id(node), name)
        value = self._prop_memo.get(key)
        if value is None:
            value = self._prop_memo[key] = self._lookup_prop(name, node)
        return value

    def _lookup_prop(self, name: str, node: Node | None) -> str:
        n = node
        while n is not None:
            props = self._props_of(n)
            if name in props:
                return props[name]
            n = n.parent
        if self.app_doc is not None and (self.doc is None or self.app_doc is not self.doc):
            props = self._props_of(self.app_doc.root)
            if name in props:
                return props[name]
        return DEFAULTS.get(name, "")

    # --- prompts -----------------------------------------------------------------------
    def _prompt_defaults(self, node: Node | None) -> tuple[bool, str, str]:
        bargein = self.prop("bargein", node) != "false"
        bargeintype = self.prop("bargeintype", node) or "speech"
        lang = "en-US"
        if self.doc is not None:
            lang = self.doc.root.get("xml:lang") or lang
        return bargein, bargeintype, lang

    def renderer(self, scope: Scope) -> PromptRenderer:
        return PromptRenderer(self, scope, self.enumeration)

    def queue(self, prompt: Prompt | None) -> None:
        if prompt is not None:
            self.session.queue.add(prompt)

    def queue_prompt_node(self, node: Node, scope: Scope) -> None:
        bargein, bargeintype, lang = self._prompt_defaults(node)
        self.queue(self.renderer(scope).prompt(node, bargein=bargein, bargeintype=bargeintype, lang=lang))

    def queue_text(self, text: str, scope: Scope) -> None:
        bargein, bargeintype, lang = self._prompt_defaults(None)
        self.queue(self.renderer(scope).fragment(None, text, bargein=bargein, bargeintype=bargeintype, lang=lang))

    def queue_ssml_node(self, node: Node, scope: Scope) -> None:
        bargein, bargeintype, lang = self._prompt_defaults(node)
        self.queue(self.renderer(scope).fragment([node], None, bargein=bargein, bargeintype=bargeintype, lang=lang))

    def new_anonymous(self, parent: Scope) -> Scope:
        return self.engine.new_scope("anonymous", parent, self_named=False)


@lru_cache(maxsize=4096)
def resolve_reference(base: str, uri: str) -> str:
    """A URI resolved against a base (RFC 3986); builtin: and data: URIs stay as they are."""
    uri = uri.strip()
    if uri.startswith(("builtin:", "data:")):
        return uri
    return urljoin(base, uri)


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(float(value)) if value not in (None, "") else None
    except ValueError:
        return None


def _flatten(name: str, data: Any) -> list[tuple[str, Any]]:
    if isinstance(data, dict):
        out: list[tuple[str, Any]] = []
        for k, v in data.items():
            out.extend(_flatten(f"{name}.{k}", v))
        return out
    if isinstance(data, list):
        return [(name, ",".join("" if v is None else str(v) for v in data))]
    if data is None:
        return [(name, "null")]
    if isinstance(data, bool):
        return [(name, "true" if data else "false")]
    if isinstance(data, int | float):
        return [(name, number_to_string(data))]
    return [(name, str(data))]
