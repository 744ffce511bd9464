"""The Form Interpretation Algorithm (VoiceXML 2.0 Appendix C), split by phase:
``catch`` (event handler selection, §5.2.4), ``activation`` (grammar activation, §3.1.4),
``collect`` (the input loop of a wait point), ``items`` (form items), ``form`` (the main loop),
``menu`` (menus as forms) and ``document`` (documents, applications and subdialogs)."""
