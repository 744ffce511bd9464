"""The read-only DOM that ``<data>`` exposes to ECMAScript (VoiceXML 2.1 §5.3: a subset of
DOM Level 2 Core). The XML is parsed with the hardened parser, sent to QuickJS as JSON, and
wrapped there in node objects."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .events import Thrown
from .model import DocumentError, parse_xml
from .model.document import MAX_DOCUMENT_BYTES

if TYPE_CHECKING:
    from .scripting import ScriptEngine

_DOM_JS = r"""
(function(g) {
  function NodeList(a) { this._a = a; this.length = a.length; for (var i = 0; i < a.length; i++) this[i] = a[i]; }
  NodeList.prototype.item = function(i) { return i >= 0 && i < this._a.length ? this._a[i] : null; };
  function Node(type, name) { this.nodeType = type; this.nodeName = name; this.nodeValue = null;
    this.parentNode = null; this.childNodes = new NodeList([]); this.firstChild = null; this.lastChild = null;
    this.previousSibling = null; this.nextSibling = null; this.attributes = null; this.ownerDocument = null; }
  Node.prototype.hasChildNodes = function() { return this.childNodes.length > 0; };
  Node.prototype.hasAttributes = function() { return !!this.attributes && this.attributes.length > 0; };
  Object.defineProperty(Node.prototype, "textContent", { get: function() {
    if (this.nodeType === 3 || this.nodeType === 4) return this.nodeValue;
    var s = ""; for (var i = 0; i < this.childNodes.length; i++) s += this.childNodes[i].textContent; return s; } });
  Node.prototype.getElementsByTagName = function(name) {
    var out = [];
    (function walk(n) { for (var i = 0; i < n.childNodes.length; i++) { var c = n.childNodes[i];
      if (c.nodeType === 1 && (name === "*" || c.nodeName === name)) out.push(c); walk(c); } })(this);
    return new NodeList(out); };
  Node.prototype.getElementsByTagNameNS = function(ns, name) {
    var out = [];
    (function walk(n) { for (var i = 0; i < n.childNodes.length; i++) { var c = n.childNodes[i];
      if (c.nodeType === 1 && (ns === "*" || c.namespaceURI === ns) && (name === "*" || c.localName === name)) out.push(c); walk(c); } })(this);
    return new NodeList(out); };
  Node.prototype.getAttribute = function(name) { var a = this._attrs && this._attrs[name]; return a ? a.value : ""; };
  Node.prototype.getAttributeNode = function(name) { return (this._attrs && this._attrs[name]) || null; };
  Node.prototype.hasAttribute = function(name) { return !!(this._attrs && this._attrs[name]); };
  function attrNS(el, ns, local) {
    var list = el.attributes ? el.attributes._a : [];
    for (var i = 0; i < list.length; i++) {
      if (list[i].localName === local && (list[i].namespaceURI || null) === (ns || null)) return list[i];
    }
    return null;
  }
  Node.prototype.getAttributeNS = function(ns, local) { var a = attrNS(this, ns, local); return a ? a.value : ""; };
  Node.prototype.getAttributeNodeNS = function(ns, local) { return attrNS(this, ns, local); };
  Node.prototype.hasAttributeNS = function(ns, local) { return !!attrNS(this, ns, local); };
  Node.prototype.substringData = function(offset, count) { return String(this.data).substr(offset, count); };
  function build(j, parent, doc) {
    var n;
    if (typeof j === "string") { n = new Node(3, "#text"); n.nodeValue = j; n.data = j; n.length = j.length; }
    else {
      n = new Node(1, j.n); n.tagName = j.n; n.localName = j.l; n.namespaceURI = j.ns || null;
      n._attrs = {}; var attrs = [];
      for (var x = 0; x < j.a.length; x++) { var spec = j.a[x], k = spec[0];
        var a = new Node(2, k); a.name = k; a.value = spec[1]; a.nodeValue = spec[1];
        a.localName = spec[2]; a.namespaceURI = spec[3] || null; a.prefix = spec[4] || null;
        a.specified = true; a.ownerElement = n; a.ownerDocument = doc; n._attrs[k] = a; attrs.push(a); }
      n.attributes = new NodeList(attrs);
      n.attributes.getNamedItem = function(k) { return n._attrs[k] || null; };
      n.attributes.getNamedItemNS = function(ns, local) { return attrNS(n, ns, local); };
      var kids = []; for (var i = 0; i < j.c.length; i++) kids.push(build(j.c[i], n, doc));
      for (var i = 0; i < kids.length; i++) { kids[i].previousSibling = kids[i-1] || null; kids[i].nextSibling = kids[i+1] || null; }
      n.childNodes = new NodeList(kids); n.firstChild = kids[0] || null; n.lastChild = kids[kids.length-1] || null;
    }
    n.parentNode = parent; n.ownerDocument = doc; return n;
  }
  g.__makeDom = function(s) {
    var doc = new Node(9, "#document");
    var root = build(JSON.parse(s), doc, doc);
    doc.documentElement = root; doc.childNodes = new NodeList([root]); doc.firstChild = root; doc.lastChild = root;
    return doc;
  };
})(globalThis);
"""


def _to_json(el: Any) -> Any:
    tag = el.tag
    ns, local = (tag[1:].split("}", 1) if tag.startswith("{") else (None, tag))
    prefix = el.prefix
    children: list[Any] = []
    if el.text:
        children.append(el.text)
    for child in el:
        if isinstance(child.tag, str):
            children.append(_to_json(child))
        if child.tail:
            children.append(child.tail)
    attrs = []
    prefixes = {uri: p for p, uri in (el.nsmap or {}).items() if p}
    for key, value in el.attrib.items():
        if key.startswith("{"):
            a_ns, a_local = key[1:].split("}", 1)
            a_prefix = "xml" if a_ns == "http://www.w3.org/XML/1998/namespace" else prefixes.get(a_ns, "")
            qname = f"{a_prefix}:{a_local}" if a_prefix else a_local
        else:
            a_ns, a_local, a_prefix, qname = None, key, "", key
        attrs.append([qname, value, a_local, a_ns, a_prefix])  # DOM Level 2: by qualified name
    return {"n": f"{prefix}:{local}" if prefix else local, "l": local, "ns": ns, "a": attrs, "c": children}


def xml_to_dom(engine: ScriptEngine, content: bytes, uri: str,
               max_bytes: int = MAX_DOCUMENT_BYTES) -> Any:
    """The DOM Document for an XML body, or error.badfetch if it is not well-formed XML or is
    over ``max_bytes`` (the session's max document bytes: 2.1 §5.1 leaves the size to the
    platform)."""
    try:
        root = parse_xml(content, uri, max_bytes)
    except DocumentError as exc:
        return Thrown("error.badfetch", str(exc))
    if not getattr(engine, "_dom_ready", False):
        engine.ctx.eval(_DOM_JS)
        engine._dom_ready = True  # type: ignore[attr-defined]
    return engine._run(engine.ctx.get("__makeDom"), json.dumps(_to_json(root)))
