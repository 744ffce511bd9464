"""``<goto>`` (VoiceXML 2.0 §5.3.7): to a form item, a dialog, or a document."""


from vxml_browser.testing.call import Call, vxml

OTHER = vxml('<form id="first"><block><log>other first</log></block></form>'
             '<form id="second"><block><log>other second</log></block></form>')


def test_goto_a_dialog_in_the_same_document():
    call = Call({"main.vxml": vxml(
        '<form><block><goto next="#b"/></block></form>'
        '<form id="a"><block><log>a</log></block></form>'
        '<form id="b"><block><log>b</log></block></form>'
    )})
    call.logs("b")
    call.exits()


def test_goto_another_document_starts_at_its_first_dialog():
    call = Call({"main.vxml": vxml('<form><block><goto next="other.vxml"/></block></form>'),
                 "other.vxml": OTHER})
    call.logs("other first")
    assert call.fetched == ["http://test/main.vxml", "http://test/other.vxml"]


def test_goto_a_dialog_of_another_document():
    call = Call({"main.vxml": vxml('<form><block><goto next="other.vxml#second"/></block></form>'),
                 "other.vxml": OTHER})
    call.logs("other second")


def test_goto_resolves_relative_to_the_current_document():
    call = Call({"app/main.vxml": vxml('<form><block><goto next="../lib/other.vxml"/></block></form>'),
                 "lib/other.vxml": OTHER}, start="app/main.vxml")
    call.logs("other first")
    assert call.fetched[-1] == "http://test/lib/other.vxml"


def test_goto_expr():
    call = Call({"main.vxml": vxml(
        '<form><block><var name="d" expr="\'second\'"/><goto expr="\'other.vxml#\' + d"/></block></form>'),
        "other.vxml": OTHER})
    call.logs("other second")


def test_goto_nextitem_selects_that_item_next():
    call = Call({"main.vxml": vxml(
        '<form><block name="a"><goto nextitem="c"/></block>'
        '<block name="b"><log>b</log></block><block name="c"><log>c</log></block></form>'
    )})
    assert call.log_texts == ["c", "b"]


def test_goto_expritem():
    call = Call({"main.vxml": vxml(
        '<form><block name="a"><goto expritem="\'c\'"/></block>'
        '<block name="b"><log>b</log></block><block name="c"><log>c</log></block></form>'
    )})
    assert call.log_texts == ["c", "b"]


def test_goto_nextitem_to_a_filled_item_runs_it_again():
    call = Call({"main.vxml": vxml(
        '<form><var name="n" expr="0"/>'
        '<block name="a"><assign name="n" expr="n + 1"/><log expr="\'a\' + n"/></block>'
        '<block name="b"><if cond="n &lt; 2"><goto nextitem="a"/></if></block></form>'
    )})
    assert call.log_texts == ["a1", "a2"]


def test_goto_an_unknown_item_is_error_badfetch():
    call = Call({"main.vxml": vxml('<form><block><goto nextitem="nosuch"/></block></form>')})
    call.error("error.badfetch", "<goto> to unknown form item 'nosuch'")


def test_goto_an_unknown_dialog_is_error_badfetch():
    call = Call({"main.vxml": vxml('<form><block><goto next="#nosuch"/></block></form>')})
    call.error("error.badfetch", "no dialog 'nosuch' in http://test/main.vxml")


def test_goto_an_unknown_dialog_of_another_document_is_error_badfetch():
    call = Call({"main.vxml": vxml('<form><block><goto next="other.vxml#nosuch"/></block></form>'),
                 "other.vxml": OTHER})
    call.error("error.badfetch", "no dialog 'nosuch' in http://test/other.vxml")


def test_goto_a_missing_document_is_error_badfetch_http_404():
    call = Call({"main.vxml": vxml('<form><block><goto next="missing.vxml"/></block></form>')})
    call.error("error.badfetch.http.404")


def test_goto_a_missing_document_is_caught_as_error_badfetch():
    call = Call({"main.vxml": vxml(
        '<form><catch event="error.badfetch"><log expr="_event"/></catch>'
        '<block><goto next="missing.vxml"/></block></form>'
    )})
    call.logs("error.badfetch.http.404")
    call.exits()


def test_goto_with_fetchaudio_plays_queued_prompts_before_fetching():
    call = Call({"main.vxml": vxml('<form><block>Leaving.<goto next="other.vxml" fetchaudio="hold.wav"/>'
                                   "</block></form>"),
                 "other.vxml": OTHER})
    kinds = [type(a).__name__ for a in call.actions]
    assert kinds[:4] == ["Fetch", "Play", "Fetch", "Log"]
    assert call.requests[-1].fetchaudio == "http://test/hold.wav"
    call.hears("Leaving.")


def test_goto_without_fetchaudio_keeps_prompts_queued_for_the_next_wait():
    call = Call({"main.vxml": vxml('<form><block>Welcome.<goto next="next.vxml"/></block></form>'),
                 "next.vxml": vxml('<form><field name="f"><option>yes</option><prompt>Menu.</prompt></field></form>')})
    assert not any(type(a).__name__ == "Play" for a in call.actions)
    assert [p.text for p in call.collect().prompts] == ["Welcome.", "Menu."]


def test_goto_a_dialog_leaves_the_dialog_variables_behind():
    call = Call({"main.vxml": vxml(
        '<form><var name="x" expr="1"/><block><goto next="#b"/></block></form>'
        '<form id="b"><block><log expr="typeof x"/></block></form>'
    )})
    call.logs("undefined")


def test_goto_the_same_form_again_initializes_it_again():
    call = Call({"main.vxml": vxml(
        '<var name="visits" expr="0"/>'
        '<form id="f"><var name="x" expr="visits"/><block><assign name="visits" expr="visits + 1"/>'
        '<log expr="x"/><if cond="visits &lt; 2"><goto next="#f"/></if></block></form>'
    )})
    assert call.log_texts == ["0", "1"]


def test_goto_fetch_attributes_are_on_the_fetch():
    call = Call({"main.vxml": vxml(
        '<form><block><goto next="other.vxml" fetchtimeout="7s" maxage="60"/></block></form>'),
        "other.vxml": OTHER})
    attrs = call.requests[-1].attrs
    assert (attrs.timeout_s, attrs.maxage) == (7.0, 60)


def test_goto_resolves_against_xml_base():
    call = Call({"main.vxml": vxml('<form><block><goto next="x.vxml"/></block></form>',
                                   extra=' xml:base="http://other.example/dir/"'),
                 "http://other.example/dir/x.vxml": vxml("<form><block><exit expr=\"'based'\"/></block></form>")})
    call.exits("based")
