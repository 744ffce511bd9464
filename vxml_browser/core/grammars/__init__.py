"""The grammar engine: SRGS 1.0 XML and ABNF, SISR 1.0, DTMF and voice, built-in types.

Public API used by the interpreter (VoiceXML 2.0 §3.1, Appendix P)::

    parse_grammar, builtin_grammar, choice_grammar, match_dtmf, match_text,
    Grammar, Interpretation, DtmfMatch, GrammarError, to_jsgf, to_phrases

Stages, one module each:

=============  =================================================================================
``nodes``      the IR both forms parse to (tokens, rule refs, tags, sequences, one-ofs, repeats)
``xmlform``    SRGS XML Form -> IR (standalone files and inline VoiceXML ``<grammar>``)
``abnf``       SRGS ABNF Form -> IR
``matcher``    IR -> instruction program; a Pike VM runs it over tokens, keeping parse events
``semantics``  SISR over a parse's events: literals in Python, scripts in QuickJS
``grammar``    ``Grammar`` (content cache, external refs, linking) and the two match functions
``builtins``   the Appendix P types as generated ABNF (also written to ``grammars/builtin``)
``choices``    grammars for ``<choice>``/``<option>``, exact and approximate
``render``     IR -> XML / ABNF text;  ``export``: JSGF and phrase lists for recognisers
=============  =================================================================================
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
