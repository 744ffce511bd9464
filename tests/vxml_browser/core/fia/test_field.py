"""``<field>`` (VoiceXML 2.0 §2.3.1): collect input against its grammars, options and type."""


from vxml_browser.testing.call import Call, dtmf, grammar, vxml


def field(inner: str, attrs: str = "", after: str = '<block><exit expr="f"/></block>') -> Call:
    return Call({"main.vxml": vxml(f'<form><field name="f" {attrs}>{inner}</field>{after}</form>')})


def test_field_waits_with_its_grammars_active():
    call = field(dtmf("1") + grammar("yes"))
    modes = [g.mode for g in call.collect().grammars]
    assert modes == ["dtmf", "voice"]


def test_field_is_filled_by_voice():
    call = field(grammar(("yes please", 'out = "Y";')))
    call.say("yes please")
    call.exits("Y")


def test_field_options_by_voice_and_dtmf():
    call = field('<option dtmf="1" value="cof">coffee</option><option dtmf="2" value="tea">tea</option>')
    call.press("2")
    call.exits("tea")


def test_field_option_without_value_uses_its_text():
    call = field("<option>coffee</option><option>tea</option>")
    call.say("coffee")
    call.exits("coffee")


def test_field_slot_picks_a_property_of_an_object_result():
    call = field(grammar(("large", 'out.size = "L"; out.n = 1;')), attrs='slot="size"')
    call.say("large")
    call.exits("L")


def test_field_name_is_the_default_slot():
    call = Call({"main.vxml": vxml(
        '<form><field name="size">' + grammar(("large", 'out.size = "L";')) + "</field>"
        '<block><exit expr="size"/></block></form>'
    )})
    call.say("large")
    call.exits("L")


def test_field_without_a_matching_slot_takes_the_whole_object():
    call = field(grammar(("large", 'out.other = "L";')), after="<block><exit expr=\"f.other\"/></block>")
    call.say("large")
    call.exits("L")


def test_modal_field_disables_outer_grammars():
    call = Call({"main.vxml": vxml(
        '<link next="#away">' + grammar("go away") + "</link>"
        '<form><field name="f" modal="true">' + dtmf("1") + grammar("stay") +
        "<nomatch><exit expr=\"'nomatch'\"/></nomatch></field></form>"
        '<form id="away"><block><exit expr="\'away\'"/></block></form>'
    )})
    call.say("go away")
    call.exits("nomatch")


def test_non_modal_field_keeps_outer_grammars():
    call = Call({"main.vxml": vxml(
        '<link next="#away">' + grammar("go away") + "</link>"
        '<form><field name="f">' + dtmf("1") + "</field></form>"
        '<form id="away"><block><exit expr="\'away\'"/></block></form>'
    )})
    call.say("go away")
    call.exits("away")


def test_a_field_grammar_beats_a_link_with_the_same_phrase():
    call = Call({"main.vxml": vxml(
        '<link next="#away">' + grammar("hello") + "</link>"
        '<form><field name="f">' + grammar(("hello", 'out = "field";')) + "</field>"
        '<block><exit expr="f"/></block></form>'
        '<form id="away"><block><exit expr="\'away\'"/></block></form>'
    )})
    call.say("hello")
    call.exits("field")


def test_external_grammar_is_fetched():
    call = Call({
        "main.vxml": vxml('<form><field name="f"><grammar src="yesno.grxml"/></field>'
                          '<block><exit expr="f"/></block></form>'),
        "yesno.grxml": '<grammar mode="voice" version="1.0" root="r" xmlns="http://www.w3.org/2001/06/grammar">'
                       '<rule id="r"><one-of><item>yes</item><item>no</item></one-of></rule></grammar>',
    })
    assert call.requests[-1].kind == "grammar"
    call.say("no")
    call.exits("no")


def test_a_missing_external_grammar_is_caught_as_error_badfetch():
    call = field('<grammar src="nosuch.grxml"/><catch event="error.badfetch"><exit expr="_message"/></catch>')
    call.exits("could not fetch http://test/nosuch.grxml (HTTP 404): no such resource: http://test/nosuch.grxml")


def test_a_missing_external_grammar_is_error_badfetch_http_404():
    call = field('<grammar src="nosuch.grxml"/>')
    call.error("error.badfetch.http.404")


def test_a_malformed_inline_grammar_is_error_badfetch():
    call = field('<grammar mode="voice" version="1.0" root="nosuch" xmlns="http://www.w3.org/2001/06/grammar">'
                 '<rule id="r">yes</rule></grammar>')
    call.error("error.badfetch")


def test_option_accept_exact_needs_the_whole_phrase():
    call = field('<option value="s">sports scores</option><nomatch><exit expr="\'nomatch\'"/></nomatch>')
    call.say("scores")
    call.exits("nomatch")


def test_option_accept_approximate_takes_part_of_the_phrase():
    call = field('<option accept="approximate" value="s">sports scores</option>')
    call.say("scores")
    call.exits("s")


def test_an_unsupported_grammar_format_is_error_unsupported_format():
    call = field('<grammar type="application/x-jsgf" mode="voice">public &lt;r&gt; = yes;</grammar>')
    call.error("error.unsupported.format", "grammar type 'application/x-jsgf' is not supported: expected "
                                           "application/srgs+xml or application/srgs")


def test_an_external_abnf_grammar():
    call = Call({
        "main.vxml": vxml('<form><field name="f"><grammar src="yesno.gram"/></field>'
                          '<block><exit expr="f"/></block></form>'),
        "yesno.gram": "#ABNF 1.0;\nmode voice;\nroot $r;\n$r = yes | no;\n",
    })
    call.say("no")
    call.exits("no")


YES_NO = ('<grammar mode="voice" version="1.0" root="r" xmlns="http://www.w3.org/2001/06/grammar">'
          "<rule id=\"r\"><one-of><item>{}</item></one-of></rule></grammar>")


def test_grammar_srcexpr_is_evaluated_on_each_visit():
    call = Call({
        "main.vxml": vxml('<form><var name="lang" expr="\'en\'"/><field name="f">'
                          '<grammar srcexpr="lang + \'.grxml\'"/><filled><if cond="lang == \'en\'">'
                          '<assign name="lang" expr="\'fr\'"/><clear namelist="f"/><else/><exit expr="f"/></if>'
                          "</filled></field></form>"),
        "en.grxml": YES_NO.format("yes"),
        "fr.grxml": YES_NO.format("oui"),
    })
    call.say("yes")
    call.say("oui")
    call.exits("oui")
    assert call.fetched[1:] == ["http://test/en.grxml", "http://test/fr.grxml"]
