"""The ECMAScript scope chain on QuickJS (VoiceXML 2.0 §5.1)."""

from .engine import UNDEFINED, JSObject, Scope, ScriptEngine, ScriptError

__all__ = ["UNDEFINED", "JSObject", "Scope", "ScriptEngine", "ScriptError"]
