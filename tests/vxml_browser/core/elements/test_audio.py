"""``<audio>`` (VoiceXML 2.0 §4.1.3): recorded audio with fallback content, in or out of a prompt."""

from vxml_browser.core.actions import AudioRef
from vxml_browser.testing.call import Call, vxml


def block(body: str) -> Call:
    return Call({"main.vxml": vxml(f'<form><block><var name="n" expr="2"/>{body}</block></form>')})


def test_audio_outside_a_prompt_is_queued():
    call = block('<audio src="welcome.wav">Welcome.</audio>')
    prompt = call.hears("")  # the text has no audio in it; the fallback rides with the part
    assert prompt.parts == (AudioRef("http://test/welcome.wav", "Welcome."),)


def test_audio_src_resolves_against_the_document_uri():
    call = Call({"dir/main.vxml": vxml('<form><block><audio src="../a/b.wav"/></block></form>')},
                start="dir/main.vxml")
    assert call.heard[0].prompt.parts == (AudioRef("http://test/a/b.wav", ""),)


def test_audio_absolute_src_is_kept():
    call = block('<audio src="http://media.example/x.wav"/>')
    assert call.heard[0].prompt.parts == (AudioRef("http://media.example/x.wav", ""),)


def test_audio_expr():
    call = block('<audio expr="\'n\' + n + \'.wav\'"/>')
    assert call.heard[0].prompt.parts == (AudioRef("http://test/n2.wav", ""),)


def test_audio_mixed_with_text_keeps_order():
    call = block('<prompt>Before <audio src="x.wav">fallback</audio> after.</prompt>')
    prompt = call.hears("Before after.")
    assert prompt.parts == ("Before", AudioRef("http://test/x.wav", "fallback"), "after.")


def test_audio_expr_null_plays_nothing():
    call = block('<prompt>A<audio expr="null">fb</audio></prompt>')
    call.hears("A")
