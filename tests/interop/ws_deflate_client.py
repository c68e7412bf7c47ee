"""A permessage-deflate client that nobody here wrote: Python's `websockets` (RFC 6455 and
RFC 7692), driven through its Sans-I/O protocol over a plain socket so that the raw frames
can be inspected too.

    python ws_deflate_client.py ws://127.0.0.1:PORT/ws-deflate COUNT [PARAM ...]

PARAMs are the client's offer: server_no_context_takeover, client_no_context_takeover,
server_max_window_bits=N, client_max_window_bits=N; and send=TEXT sends TEXT as a message
(compressed by websockets) once connected. Reads COUNT text messages, then
closes, and prints one JSON object: the extension header the server answered, the
parameters websockets agreed to, how many data frames carried RSV1 on the wire, and each
decoded event's seq and ts (as strings: ts is above 2^53).
"""

import json
import socket
import sys

from websockets.client import ClientProtocol
from websockets.extensions.permessage_deflate import (
    ClientPerMessageDeflateFactory,
    PerMessageDeflate,
)
from websockets.frames import Opcode
from websockets.http11 import Response
from websockets.uri import parse_uri

TIMEOUT_S = 20


def factory(params):
    kwargs = {"client_max_window_bits": True}
    for param in params:
        if param.startswith("send="):
            continue
        name, _, value = param.partition("=")
        kwargs[name] = int(value) if value else True
    return ClientPerMessageDeflateFactory(**kwargs)


class RawFrames:
    """Reads the server's frame headers (unmasked) from the bytes after the handshake."""

    def __init__(self):
        self.buffer = b""
        self.rsv1 = 0
        self.plain = 0

    def feed(self, data):
        self.buffer += data
        while len(self.buffer) >= 2:
            first, second = self.buffer[0], self.buffer[1]
            length, head = second & 0x7F, 2
            if length == 126:
                head = 4
            elif length == 127:
                head = 10
            if len(self.buffer) < head:
                return
            if head > 2:
                length = int.from_bytes(self.buffer[2:head], "big")
            if len(self.buffer) < head + length:
                return
            if first & 0x0F in (0x1, 0x2):
                if first & 0x40:
                    self.rsv1 += 1
                else:
                    self.plain += 1
            self.buffer = self.buffer[head + length :]


def main():
    url, count, params = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    uri = parse_uri(url)
    protocol = ClientProtocol(uri, extensions=[factory(params)])
    request = protocol.connect()
    protocol.send_request(request)
    sock = socket.create_connection((uri.host, uri.port), timeout=TIMEOUT_S)
    sock.sendall(b"".join(protocol.data_to_send()))
    raw, handshake_done, answer, events = RawFrames(), False, None, []
    pending = b""
    while len(events) < count:
        data = sock.recv(65536)
        if not data:
            raise SystemExit("the server closed before %d messages" % count)
        protocol.receive_data(data)
        if handshake_done:
            raw.feed(data)
        else:
            pending += data
            end = pending.find(b"\r\n\r\n")
            if end >= 0:
                handshake_done = True
                raw.feed(pending[end + 4 :])
        for event in protocol.events_received():
            if isinstance(event, Response):
                if protocol.handshake_exc is not None:
                    raise SystemExit("handshake failed: %r" % protocol.handshake_exc)
                answer = event.headers.get("Sec-WebSocket-Extensions")
                for param in params:
                    if param.startswith("send="):
                        protocol.send_text(param[len("send=") :].encode())
            elif event.opcode == Opcode.TEXT:
                message = json.loads(event.data, parse_int=str)
                events.append([message["seq"], message["ts"]])
        sock.sendall(b"".join(protocol.data_to_send()))
    protocol.send_close(1000)
    sock.sendall(b"".join(protocol.data_to_send()))
    sock.close()
    deflate = [e for e in protocol.extensions if isinstance(e, PerMessageDeflate)]
    agreed = None
    if deflate:
        d = deflate[0]
        agreed = {
            "remote_no_context_takeover": d.remote_no_context_takeover,
            "local_no_context_takeover": d.local_no_context_takeover,
            "remote_max_window_bits": d.remote_max_window_bits,
            "local_max_window_bits": d.local_max_window_bits,
        }
    print(
        json.dumps(
            {
                "answer": answer,
                "agreed": agreed,
                "rsv1_frames": raw.rsv1,
                "plain_frames": raw.plain,
                "events": events,
            }
        )
    )


if __name__ == "__main__":
    main()
