"""The grammar engine: SRGS 1.0 XML and ABNF, SISR 1.0, DTMF and voice, built-in types.

Public API used by the interpreter (VoiceXML 2.0 §3.1, Appendix P)::

    parse_grammar, builtin_grammar, choice_grammar, match_dtmf, match_text,
    Grammar, Interpretation, DtmfMatch, GrammarError, to_jsgf, to_phrases
"""

from .builtins import builtin_grammar
from .choices import choice_grammar
from .export import to_jsgf, to_phrases
from .grammar import DtmfMatch, Grammar, Interpretation, match_dtmf, match_text, parse_grammar
from .nodes import GrammarError

__all__ = [
    "DtmfMatch",
    "Grammar",
    "GrammarError",
    "Interpretation",
    "builtin_grammar",
    "choice_grammar",
    "match_dtmf",
    "match_text",
    "parse_grammar",
    "to_jsgf",
    "to_phrases",
]
