"""``<prompt>`` (VoiceXML 2.0 §4.1): queued text, audio and values, with bargein, count and cond."""

import re

from vxml_browser.core.actions import AudioRef
from vxml_browser.testing.call import Call, dtmf, vxml


def block(body: str, head: str = "") -> Call:
    return Call({"main.vxml": vxml(f'{head}<form><block><var name="n" expr="3"/>{body}</block></form>')})


def field(prompts: str, catches: str = "", props: str = "") -> Call:
    return Call({"main.vxml": vxml(
        f'<form>{props}<field name="f">{dtmf("1")}{prompts}{catches}</field>'
        '<block><exit expr="f"/></block></form>'
    )})


def test_prompt_text_is_heard():
    call = block("<prompt>Hello world.</prompt>")
    call.hears("Hello world.")
    call.exits()


def test_prompt_text_whitespace_is_normalized():
    call = block("<prompt>\n  Hello\n   world.  </prompt>")
    call.hears("Hello world.")


def test_prompts_are_played_in_document_order():
    call = block("<prompt>One.</prompt>Two.<prompt>Three.</prompt>")
    call.hears("One.")
    call.hears("Two.")
    call.hears("Three.")


def test_prompt_value_is_spoken():
    call = block('<prompt>You have <value expr="n * 2"/> messages.</prompt>')
    call.hears("You have 6 messages.")


def test_prompt_value_of_undefined_is_spoken_as_undefined():
    call = block('<var name="u"/><prompt>Value <value expr="u"/>.</prompt>')
    call.hears("Value undefined.")


def test_prompt_value_expr_error_is_error_semantic():
    call = block('<prompt><value expr="nosuch.x"/></prompt>')
    call.error("error.semantic")


def test_prompt_cond_false_is_not_queued():
    call = block('<prompt cond="n == 1">One.</prompt><prompt cond="n == 3">Three.</prompt>')
    call.hears("Three.")
    call.hears_nothing()


def test_prompt_audio_src_is_an_audio_part_with_its_fallback():
    call = block('<prompt><audio src="hello.wav">Hello.</audio></prompt>')
    prompt = call.hears("")
    assert prompt.parts == (AudioRef("http://test/hello.wav", "Hello."),)
    assert '<audio src="http://test/hello.wav">Hello.</audio>' in prompt.ssml


def test_prompt_audio_expr_is_evaluated_and_resolved():
    call = block('<prompt><audio expr="\'clip\' + n + \'.wav\'"/></prompt>')
    call.hears("")
    assert call.heard[0].prompt.parts == (AudioRef("http://test/clip3.wav", ""),)


def test_prompt_audio_expr_undefined_plays_nothing_not_even_the_fallback():
    # §4.1.3: "If expr evaluates to ECMAScript undefined, the contents are ignored."
    call = block('<var name="u"/><prompt>A <audio expr="u">fallback</audio> B</prompt>')
    call.hears("A B")


def test_prompt_ssml_is_passed_through():
    call = block('<prompt>Call <say-as interpret-as="telephone">5551234</say-as> now.<break time="300ms"/>'
                 "<emphasis>Really.</emphasis></prompt>")
    prompt = call.hears("Call 5551234 now. Really.")
    assert '<say-as interpret-as="telephone">5551234</say-as>' in prompt.ssml
    assert '<break time="300ms"/>' in prompt.ssml
    assert "<emphasis>Really.</emphasis>" in prompt.ssml


def test_prompt_ssml_is_a_speak_document_in_the_document_language():
    call = block("<prompt>Bonjour.</prompt>")
    prompt = call.hears("Bonjour.")
    assert re.fullmatch(r'<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" '
                        r'xml:lang="en-US">Bonjour.</speak>', prompt.ssml)


def test_prompt_xml_lang_overrides_the_document_language():
    call = block('<prompt xml:lang="fr-FR">Bonjour.</prompt>')
    assert call.hears("Bonjour.").lang == "fr-FR"


def test_prompt_text_is_escaped_in_ssml():
    call = block("<prompt>Tom &amp; Jerry &lt;3</prompt>")
    prompt = call.hears("Tom & Jerry <3")
    assert "Tom &amp; Jerry &lt;3" in prompt.ssml


def test_prompt_foreach_speaks_each_element():
    call = block('<var name="a" expr="[\'red\', \'green\', \'blue\']"/>'
                 '<prompt>Colors: <foreach item="c" array="a"><value expr="c"/>, </foreach>done.</prompt>')
    call.hears("Colors: red, green, blue, done.")


def test_prompt_bargein_defaults_to_true():
    call = field("<prompt>Hi.</prompt>")
    assert call.hears("Hi.").bargein is True


def test_prompt_bargein_false():
    call = field('<prompt bargein="false">Listen.</prompt>')
    assert call.hears("Listen.").bargein is False


def test_bargein_property_sets_the_prompt_default():
    call = field("<prompt>Listen.</prompt>", props='<property name="bargein" value="false"/>')
    assert call.hears("Listen.").bargein is False


def test_prompt_bargeintype_hotword():
    call = field('<prompt bargeintype="hotword">Hi.</prompt>')
    assert call.hears("Hi.").bargeintype == "hotword"


def test_prompt_count_tapers_on_each_visit():
    call = field('<prompt count="1">First.</prompt><prompt count="2">Second.</prompt>'
                 '<prompt count="4">Fourth.</prompt>', catches="<noinput><reprompt/></noinput>")
    call.hears("First.")
    call.silence()
    call.hears("Second.")
    call.silence()
    call.hears("Second.")
    call.silence()
    call.hears("Fourth.")
    call.silence()
    call.hears("Fourth.")


def test_prompts_with_the_same_count_all_play():
    call = field('<prompt count="1">A.</prompt><prompt count="1">B.</prompt><prompt count="2">C.</prompt>')
    call.hears("A.")
    call.hears("B.")
    call.hears_nothing()


def test_prompt_cond_is_applied_before_count_selection():
    call = field('<prompt count="1">One.</prompt><prompt count="2" cond="false">Two.</prompt>',
                 catches="<noinput><reprompt/></noinput>")
    call.hears("One.")
    call.silence()
    call.hears("One.")


def test_prompt_timeout_sets_the_collect_timeout():
    call = field('<prompt timeout="2.5s">Quick.</prompt>')
    assert call.collect().timeout_s == 2.5


def test_prompt_mark_is_reported():
    call = block('<prompt>A <mark name="here"/> B</prompt>')
    assert call.hears("A B").marks == ("here",)
