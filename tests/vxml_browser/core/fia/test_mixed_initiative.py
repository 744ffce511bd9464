"""Mixed-initiative forms (VoiceXML 2.0 §2.3.3, §3.1.6.2): ``<initial>`` and a form-level grammar
whose slots fill several fields at once."""

from vxml_browser.testing.call import Call, grammar, vxml

TRIP = grammar(
    ("from boston to chicago", 'out.from = "BOS"; out.to = "CHI";'),
    ("from boston", 'out.from = "BOS";'),
    ("to chicago", 'out.to = "CHI";'),
    ("on monday", 'out.day = "mon";'),
    ("nowhere", 'out.other = "x";'),
)

FORM = (
    "<form>" + TRIP +
    '<initial name="start"><prompt>Where are you flying?</prompt>'
    "<nomatch>Say from and to.<reprompt/></nomatch></initial>"
    '<field name="from"><prompt>From where?</prompt><option value="BOS">boston</option>'
    '<option value="NYC">new york</option></field>'
    '<field name="to"><prompt>To where?</prompt><option value="CHI">chicago</option></field>'
    '<field name="when" slot="day"><prompt>Which day?</prompt><option value="mon">monday</option></field>'
    '<filled mode="all" namelist="from to when"><exit expr="from + \'-\' + to + \'-\' + when"/></filled>'
    "</form>"
)


def trip() -> Call:
    return Call({"main.vxml": vxml(FORM)})


def test_initial_prompts_first():
    call = trip()
    call.hears("Where are you flying?")


def test_one_utterance_fills_several_fields():
    call = trip()
    call.say("from boston to chicago")
    call.hears("Where are you flying?")
    call.hears("Which day?")
    call.say("monday")
    call.exits("BOS-CHI-mon")


def test_a_partial_answer_leaves_the_rest_to_the_directed_fields():
    call = trip()
    call.say("to chicago")
    call.unheard()
    call.collect()
    call.hears_nothing()
    call.say("new york")
    call.say("monday")
    call.exits("NYC-CHI-mon")


def test_filling_any_field_marks_the_initial_as_done():
    call = trip()
    call.unheard()
    call.say("from boston")
    call.hears("To where?")


def test_slot_attribute_names_the_result_property():
    call = trip()
    call.say("on monday")
    call.unheard()
    call.say("boston")
    call.say("chicago")
    call.exits("BOS-CHI-mon")


def test_form_grammar_is_active_while_in_a_directed_field():
    call = trip()
    call.say("on monday")
    call.hears("Where are you flying?")
    call.hears("From where?")
    call.say("from boston to chicago")
    call.exits("BOS-CHI-mon")


def test_a_result_that_fills_no_field_is_a_nomatch():
    call = trip()
    call.say("nowhere")
    call.hears("Where are you flying?")
    call.hears("Say from and to.")
    call.hears("Where are you flying?")


def test_an_unmatched_utterance_keeps_the_initial():
    call = trip()
    call.say("something else")
    assert call.unheard() == ["Where are you flying?", "Say from and to.", "Where are you flying?"]


ORDER = ('<form id="order" scope="{scope}">' + grammar(("pizza please", 'out.food = "P";')) +
         '<field name="food"><option value="S">salad</option></field>'
         "<block><exit expr=\"'order:' + food\"/></block></form>"
         '<form id="ask"><field name="f"><option>yes</option></field></form>')


def test_a_document_scoped_form_grammar_enters_its_form_and_fills_it():
    call = Call({"main.vxml": vxml(ORDER.format(scope="document"))}, start="main.vxml#ask")
    call.say("pizza please")
    call.exits("order:P")


def test_a_dialog_scoped_form_grammar_is_not_active_in_other_forms():
    call = Call({"main.vxml": vxml(ORDER.format(scope="dialog"))}, start="main.vxml#ask")
    call.say("pizza please")
    assert call.unheard() == ["Sorry, I did not understand."]
