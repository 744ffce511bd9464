"""The built-in speech plugins (chosen per language by ``vxml_browser.adapters.plugins``).

- ``espeak``: ``EspeakSynthesizer``, SSML through espeak-ng (English, Mandarin ``cmn``, ...).
- ``http``: ``HttpSynthesizer``, the slot for an external engine (POST SSML, WAV back).
- ``cache``: ``CachedSynthesizer``, a repeated prompt costs a look-up.
- ``pocketsphinx``: ``PocketSphinxRecognizer``, grammar-constrained (JSGF), en-US model in the wheel.
- ``vosk``: ``VoskRecognizer``, phrase lists, a configured model directory or model package.
- ``pcm`` and ``ssml``: the audio and markup helpers they share.

They need the ``speech`` extra (numpy, pocketsphinx, vosk) and Debian's espeak-ng; modules are
imported only when a plugin is used.
"""
