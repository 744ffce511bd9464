"""VoiceXML 2.1 voice browser: a sans-I/O interpreter core and its I/O adapters."""
