"""The SIP telephony platform on PJSIP's pjsua2 (issue 5).

    vxml-browser sip --listen 127.0.0.1:5070 --app http://127.0.0.1:8090/ivr/main.vxml
    vxml-browser sip --config sip.toml --workers 10      # a pool behind Kamailio

Modules, from the wire up:

- ``engine.py``  the one thread per process that owns pjsua2 (polled, no PJSIP threads); the
  design of the thread/loop split is documented there.
- ``call.py``    ``SipCall``: a call's platform on the asyncio loop, answering the interpreter's
  actions (play, collect, record, transfer, disconnect) with engine commands.
- ``queue_transfer.py`` ``<transfer dest="queue:NAME">``: the caller waits in the ACD's queue
  (``agent_queue``), hears its announcements, and is bridged to the agent who answers.
- ``fax_dialer.py`` ``SipFaxDialer``: the fax queue's ``Dialer`` (``adapters/fax/queue.py``), an
  outbound call whose audio runs a ``FaxSession`` (2.15 wheel).
- ``prompts.py`` prompts to cached 8/16 kHz WAV clips (speech plugins and fetched audio).
- ``worker.py``  a worker process: the engine, the loop, one session task per call, call records.
- ``pool.py``    N workers behind Kamailio's dispatcher (``deploy/kamailio/kamailio.cfg``),
  restarts, and BYEs for a dead worker's calls.
- ``config.py``  the ``[sip]`` TOML table and its defaults.

Wheels: ``pjsua2-python==2.10.post6`` is the default (31 calls per process, measured 300 calls on
10 processes); 2.15.1.post1 (4 calls per process) is needed only for voice input
(``AudioMediaPort``): install it into a folder and name it in ``pjsua2_path``.
"""
