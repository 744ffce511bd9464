"""Application root documents (VoiceXML 2.0 §1.5.2, §5.1.2): root variables, catches, links and
properties are active in its leaves; the application scope lives while the application does."""


from vxml_browser.testing.call import Call, dtmf, grammar, vxml

ROOT = vxml(
    '<var name="visits" expr="0"/>'
    "<script>function shout(s) { return s.toUpperCase(); }</script>"
    '<property name="timeout" value="7s"/>'
    '<catch event="app.event"><exit expr="\'root caught \' + _event"/></catch>'
    '<link next="leaf2.vxml">' + grammar("main menu") + "</link>"
    "<form><block><exit expr=\"'root form'\"/></block></form>"
)


def leaf(body: str) -> str:
    return vxml(body, application="root.vxml")


def app(leaf1: str, **more: str) -> Call:
    documents = {"root.vxml": ROOT, "leaf1.vxml": leaf(leaf1),
                 "leaf2.vxml": leaf('<form><block><exit expr="\'leaf2 \' + visits"/></block></form>')}
    documents.update(more)
    return Call(documents, start="leaf1.vxml")


def test_a_leaf_sees_the_root_variables():
    call = app("<form><block><exit expr=\"visits + ':' + application.visits\"/></block></form>")
    call.exits("0:0")


def test_a_leaf_calls_root_functions():
    call = app("<form><block><exit expr=\"shout('hi')\"/></block></form>")
    call.exits("HI")


def test_the_root_is_fetched_before_the_leaf_runs():
    call = app("<form><block><exit/></block></form>")
    assert call.fetched == ["http://test/leaf1.vxml", "http://test/root.vxml"]


def test_root_variables_survive_a_transition_between_leaves():
    call = app('<form><block><assign name="visits" expr="visits + 5"/><goto next="leaf2.vxml"/></block></form>')
    call.exits("leaf2 5")


def test_the_root_is_not_fetched_again_between_leaves():
    call = app('<form><block><goto next="leaf2.vxml"/></block></form>')
    assert call.fetched.count("http://test/root.vxml") == 1


def test_leaf_document_variables_are_not_application_variables():
    call = app("<form><block><exit expr=\"typeof application.mine + ':' + document.mine\"/></block></form>"
               .replace("<form>", '<var name="mine" expr="1"/><form>'))
    call.exits("undefined:1")


def test_a_leaf_variable_shadows_a_root_variable():
    call = app("<var name=\"visits\" expr=\"'leaf'\"/>"
               "<form><block><exit expr=\"visits + ':' + application.visits\"/></block></form>")
    call.exits("leaf:0")


def test_root_catches_are_active_in_the_leaf():
    call = app('<form><block><throw event="app.event"/></block></form>')
    call.exits("root caught app.event")


def test_a_leaf_catch_wins_over_the_root_catch():
    call = app('<catch event="app.event"><exit expr="\'leaf caught\'"/></catch>'
               '<form><block><throw event="app.event"/></block></form>')
    call.exits("leaf caught")


def test_root_links_are_active_in_the_leaf():
    call = app('<form><field name="f">' + dtmf("1") + "</field></form>")
    call.say("main menu")
    call.exits("leaf2 0")


def test_root_properties_apply_in_the_leaf():
    call = app('<form><field name="f">' + dtmf("1") + "</field></form>")
    assert call.collect().timeout_s == 7.0


def test_leaf_properties_win_over_root_properties():
    call = app('<property name="timeout" value="3s"/><form><field name="f">' + dtmf("1") + "</field></form>")
    assert call.collect().timeout_s == 3.0


def test_going_to_another_application_renews_the_application_scope():
    other = vxml('<form><block><exit expr="typeof visits"/></block></form>')
    call = app('<form><block><goto next="other.vxml"/></block></form>', **{"other.vxml": other})
    call.exits("undefined")


def test_goto_the_root_document_keeps_application_variables():
    root = vxml('<var name="visits" expr="0"/><form id="r"><block><exit expr="visits"/></block></form>')
    call = Call({"root.vxml": root,
                 "leaf1.vxml": leaf('<form><block><assign name="visits" expr="9"/><goto next="root.vxml"/>'
                                    "</block></form>")}, start="leaf1.vxml")
    call.exits(9)


def test_submit_to_the_root_document_initializes_it_again():
    root = vxml('<var name="visits" expr="0"/><form id="r"><block><exit expr="visits"/></block></form>')
    call = Call({"root.vxml": root,
                 "leaf1.vxml": leaf('<form><block><assign name="visits" expr="9"/><submit next="root.vxml"/>'
                                    "</block></form>")}, start="leaf1.vxml")
    call.exits(0)


def test_a_missing_root_document_is_error_badfetch():
    call = Call({"leaf1.vxml": leaf("<form><block><exit/></block></form>")}, start="leaf1.vxml")
    call.error("error.badfetch.http.404")


def test_the_roots_own_application_attribute_is_not_followed():
    call = Call({"leaf1.vxml": leaf("<form><block><exit expr=\"'ok'\"/></block></form>"),
                 "root.vxml": vxml("<form><block/></form>", application="leaf1.vxml")}, start="leaf1.vxml")
    call.exits("ok")
    assert call.fetched == ["http://test/leaf1.vxml", "http://test/root.vxml"]


def test_root_to_leaf_keeps_the_application_variables():
    root = vxml('<var name="visits" expr="0"/><form><block><assign name="visits" expr="4"/>'
                '<goto next="leaf1.vxml"/></block></form>')
    call = Call({"root.vxml": root,
                 "leaf1.vxml": leaf("<form><block><exit expr=\"visits\"/></block></form>")}, start="root.vxml")
    call.exits(4)
    assert call.fetched == ["http://test/root.vxml", "http://test/leaf1.vxml"]


def test_a_leaf_of_another_root_starts_a_new_application():
    other_root = vxml('<var name="visits" expr="100"/><form><block/></form>')
    other_leaf = vxml("<form><block><exit expr=\"visits\"/></block></form>", application="root2.vxml")
    call = app('<form><block><assign name="visits" expr="5"/><goto next="leaf3.vxml"/></block></form>',
               **{"root2.vxml": other_root, "leaf3.vxml": other_leaf})
    call.exits(100)


NESTED_ROOT = vxml(
    '<link next="menu.vxml">' + grammar("main menu") + "</link>"
    '<catch event="app.go"><goto next="menu.vxml"/></catch>'
    '<catch event="app.play"><prompt><audio src="sorry.wav"/></prompt><exit/></catch>'
    "<form><block/></form>"
)
NESTED = {
    "app/root.vxml": NESTED_ROOT,
    "app/menu.vxml": vxml("<form><block><exit expr=\"'menu'\"/></block></form>"),
    "app/sub/leaf.vxml": vxml('<form><field name="f">' + dtmf("1", "2") +
                              '<filled><if cond="f == \'1\'"><throw event="app.go"/>'
                              '<else/><throw event="app.play"/></if></filled></field></form>',
                              application="../root.vxml"),
}
def test_a_root_link_resolves_its_uri_against_the_root():
    call = Call(NESTED, start="app/sub/leaf.vxml")
    call.say("main menu")
    call.exits("menu")


def test_a_root_catch_resolves_its_uris_against_the_root():
    call = Call(NESTED, start="app/sub/leaf.vxml")
    call.press("1")
    call.exits("menu")


def test_root_catch_audio_resolves_against_the_root():
    call = Call(NESTED, start="app/sub/leaf.vxml")
    call.press("2")
    assert call.heard[-1].prompt.parts[0].src == "http://test/app/sorry.wav"


def test_a_leaf_link_resolves_against_the_leaf():
    call = Call({**NESTED, "app/sub/menu.vxml": vxml("<form><block><exit expr=\"'sub menu'\"/></block></form>"),
                 "app/sub/leaf.vxml": vxml('<link next="menu.vxml">' + grammar("main menu") + "</link>"
                                           '<form><field name="f">' + dtmf("1") + "</field></form>",
                                           application="../root.vxml")}, start="app/sub/leaf.vxml")
    call.say("main menu")
    call.exits("sub menu")
