#!/usr/bin/env python3
"""Records what a running server sends for each transport, as fixtures for the dialect tests.

    scripts/dialects/record.py --out tests/fixtures/dialects/SERVER --url http://127.0.0.1:PORT \
        --dialect NAME poll=/poll?since=0 sse=/sse ws=/ws [--key train] [--events 3]

Each NAME=PATH asks the server for PATH as a client of that transport would (a poll: one
GET; sse: GET with Accept: text/event-stream; ws: a WebSocket upgrade) and writes:

    NAME.http    the bytes the server sent, exactly: response head, then body or frames,
                 cut after the first --events events (a stream's tail may hold part of
                 the next: the decoder must leave it)
    NAME.events  the heads of the events in those bytes, one JSON object a line
                 ({"seq":N,"ts":N,"key":K}), decoded here with Python's own parsers, so
                 that the Rust test checks our decoding against another's; a first line
                 `# key: FIELD` names the state key field when --key is given

and `dialect` (the dialect's name). The Python standard library only: no install needed.
"""

import argparse
import json
import socket
import sys
from pathlib import Path
from urllib.parse import urlsplit

TIMEOUT_S = 15
WS_KEY = "dGhlIHNhbXBsZSBub25jZQ=="


def request(host, port, path, extra):
    sock = socket.create_connection((host, port), timeout=TIMEOUT_S)
    head = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{extra}\r\n"
    sock.sendall(head.encode())
    return sock


def split_head(raw):
    end = raw.find(b"\r\n\r\n")
    if end < 0:
        return None, None, raw
    lines = raw[:end].decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return lines[0], headers, raw[end + 4 :]


def dechunk(body):
    """The complete chunks' data; a partial chunk at the end is left out."""
    out, rest = b"", body
    while True:
        line_end = rest.find(b"\r\n")
        if line_end < 0:
            return out
        size = int(rest[:line_end].split(b";")[0], 16)
        if size == 0 or len(rest) < line_end + 2 + size + 2:
            return out
        out += rest[line_end + 2 : line_end + 2 + size]
        rest = rest[line_end + 2 + size + 2 :]


def body_of(headers, body):
    if headers.get("transfer-encoding", "").lower() == "chunked":
        return dechunk(body)
    return body


def sse_messages(data):
    """The `data` of each complete SSE event (comments and other fields skipped)."""
    data = data.replace(b"\r\n", b"\n")
    messages = []
    for block in data.split(b"\n\n")[:-1]:
        lines = [l[5:].lstrip(b" ") for l in block.split(b"\n") if l.startswith(b"data:")]
        if lines:
            messages.append(b"\n".join(lines))
    return messages


def ws_messages(frames):
    """The text messages of complete, unmasked, unfragmented frames."""
    messages, at = [], 0
    while len(frames) >= at + 2:
        opcode, length = frames[at] & 0x0F, frames[at + 1] & 0x7F
        header = 2
        if length == 126:
            length, header = int.from_bytes(frames[at + 2 : at + 4], "big"), 4
        elif length == 127:
            length, header = int.from_bytes(frames[at + 2 : at + 10], "big"), 10
        if len(frames) < at + header + length:
            break
        if opcode == 1:
            messages.append(frames[at + header : at + header + length])
        at += header + length
    return messages


def messages_of(kind, raw):
    _, headers, body = split_head(raw)
    if headers is None:
        return []
    if kind == "ws":
        return ws_messages(body)
    data = body_of(headers, body)
    if kind == "sse":
        return sse_messages(data)
    if not data:
        return []
    return [json.dumps(e).encode() for e in json.loads(data)["events"]]


def kind_of(name):
    for kind in ("ws", "sse", "longpoll", "poll"):
        if name.startswith(kind):
            return "poll" if kind == "longpoll" else kind
    sys.exit(f"{name}: the name must start with the transport (poll, longpoll, sse, ws)")


def record(host, port, kind, path, events):
    extra = {
        "poll": "Connection: close\r\n",
        "sse": "Accept: text/event-stream\r\n",
        "ws": "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
        f"Sec-WebSocket-Key: {WS_KEY}\r\n",
    }[kind]
    sock = request(host, port, path, extra)
    raw = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return raw
            raw += chunk
            if kind != "poll" and len(messages_of(kind, raw)) >= events:
                return raw
    finally:
        sock.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--url", required=True)
    parser.add_argument("--dialect", required=True)
    parser.add_argument("--key", help="the state key field, for a state feed")
    parser.add_argument("--events", type=int, default=3)
    parser.add_argument("exchanges", nargs="+", metavar="NAME=PATH")
    args = parser.parse_args()
    url = urlsplit(args.url)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "dialect").write_text(args.dialect + "\n")
    for exchange in args.exchanges:
        name, _, path = exchange.partition("=")
        kind = kind_of(name)
        raw = record(url.hostname, url.port, kind, path, args.events)
        heads = []
        for message in messages_of(kind, raw):
            event = json.loads(message)
            key = event.get(args.key) if args.key else None
            heads.append({"seq": event["seq"], "ts": event["ts"], "key": key})
        if not heads:
            sys.exit(f"{args.url}{path}: no event in {len(raw)} bytes: {raw[:300]!r}")
        (args.out / f"{name}.http").write_bytes(raw)
        lines = [f"# key: {args.key}"] if args.key else []
        lines += [json.dumps(h, separators=(",", ":")) for h in heads]
        (args.out / f"{name}.events").write_text("\n".join(lines) + "\n")
        print(f"{args.out / name}: {len(raw)} bytes, {len(heads)} events", file=sys.stderr)


if __name__ == "__main__":
    main()
