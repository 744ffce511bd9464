"""The SIP telephony platform on PJSIP's pjsua2 (issue 5).

    vxml-browser sip --listen 127.0.0.1:5070 --app http://127.0.0.1:8090/ivr/main.vxml
    vxml-browser sip --config sip.toml --workers 10      # a pool behind Kamailio

Modules, from the wire up:

- ``engine.py``  the one thread per process that owns pjsua2 (polled, no PJSIP threads); the
  design of the thread/loop split is documented there.
- ``leg.py``     ``Leg``: one SIP dialog's events on the loop; ``Legs``: the legs a task dials
  (dial, bridge, hang up, wait); what a failed or ended leg means to a transfer.
- ``call.py``    ``SipCall``: a call's ``Telephony`` (``adapters/telephony.py``: the worker runs
  ``drive`` on it) answering the interpreter's actions with engine commands, and the
  ``CallControl`` (``control.py``) that transfers use; ``voice.py`` feeds its listener,
  ``recording.py`` runs ``<record>`` (the end decided by ``adapters/endpointer.py``).
- ``bridge.py``  blind, bridge and consultation transfers over a ``CallControl`` (the caller's
  keys during a bridge: ``adapters/bridge_keys.py``).
- ``queue_transfer.py`` ``<transfer dest="queue:NAME">``: the caller waits in the ACD's queue
  (``agent_queue``), hears its announcements, and is bridged to the agent who answers.
- ``callbacks.py`` the ACD's callbacks: the customer dialled back, then bridged to the agent.
- ``connection.py`` ``session.connection.*`` from the INVITE, and the call record.
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
