"""The pure ACD core: agents, queues, state tables, routing and reports.

No I/O here: no asyncio, sockets, files, wall clock or randomness. Time comes from an injected
:class:`~agent_queue.domain.clock.Clock`, random choices from an injected RNG, and the service
turns the events this package returns into CTI messages, log rows and timers.
"""
