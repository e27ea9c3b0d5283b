"""An operation that changes the world runs as one transaction (core/undo.py).

The dispatcher wraps the endpoint of every non-read request: an exception anywhere in it (the
backend, a bus subscriber, encoding the response) or an answer of 400 and above puts the world
back as it was, and the side effects that wait for a commit (MQTT downlink, streams,
persistence) never happen. Reads run outside any transaction: they change nothing a client asked
for, and they take the rollback hooks off while no transaction is open, so a page of 10,000
devices reads them at full speed.
"""

from __future__ import annotations

from starlette.responses import Response

from simulator.api.call import Call
from simulator.api.operations import Endpoint
from simulator.core import undo

READS = frozenset({"GET", "HEAD", "OPTIONS"})


def atomic(endpoint: Endpoint, method: str) -> Endpoint:
    """`endpoint` as one transaction when `method` may change something."""
    if method in READS:

        async def unhooked(call: Call) -> Response:
            undo.unhook_while_idle()
            return await endpoint(call)

        return unhooked

    async def in_transaction(call: Call) -> Response:
        with call.sim.transaction() as txn:
            response = await endpoint(call)
            if response.status_code >= 400:
                txn.fail()
        return response

    return in_transaction
