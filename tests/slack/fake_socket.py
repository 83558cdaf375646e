"""A minimal Socket Mode endpoint for tests: a WebSocket server on loopback (RFC 6455, text,
ping/pong and close frames only) that hands the app envelopes and collects its acks."""

from __future__ import annotations

import base64
import hashlib
import json
import queue
import socket
import struct
import threading
from typing import Any

_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TEXT, CLOSE, PING, PONG = 0x1, 0x8, 0x9, 0xA


class FakeSocketMode:
    """Accepts one app connection at a time; `send` an envelope, `acks` receives the replies."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.connected = threading.Event()
        self.acks: queue.Queue[dict[str, Any]] = queue.Queue()
        self.connection: socket.socket | None = None
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.listener.getsockname()[1]}/link/?ticket=fake"

    def send(self, envelope: dict[str, Any]) -> None:
        assert self.connection is not None
        self._frame(TEXT, json.dumps(envelope).encode("utf-8"))

    def close(self) -> None:
        self.listener.close()
        if self.connection:
            self.connection.close()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            if self._handshake(connection):
                self.connection = connection
                self.connected.set()
                self._frame(TEXT, json.dumps({"type": "hello", "num_connections": 1}).encode())
                threading.Thread(target=self._read, args=(connection,), daemon=True).start()

    def _handshake(self, connection: socket.socket) -> bool:
        request = b""
        while b"\r\n\r\n" not in request:
            chunk = connection.recv(1024)
            if not chunk:
                return False
            request += chunk
        headers = dict(
            line.split(": ", 1) for line in request.decode().split("\r\n")[1:] if ": " in line
        )
        key = {k.lower(): v for k, v in headers.items()}["sec-websocket-key"].strip()
        accept = base64.b64encode(hashlib.sha1((key + _GUID).encode()).digest()).decode()
        connection.sendall(
            (
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
            ).encode()
        )
        return True

    def _frame(self, opcode: int, data: bytes) -> None:
        size = len(data)
        if size < 126:
            header = struct.pack("!BB", 0x80 | opcode, size)
        elif size < 65536:
            header = struct.pack("!BBH", 0x80 | opcode, 126, size)
        else:
            header = struct.pack("!BBQ", 0x80 | opcode, 127, size)
        with self.lock:
            assert self.connection is not None
            self.connection.sendall(header + data)

    def _read(self, connection: socket.socket) -> None:
        def exactly(n: int) -> bytes:
            data = b""
            while len(data) < n:
                chunk = connection.recv(n - len(data))
                if not chunk:
                    raise ConnectionError
                data += chunk
            return data

        try:
            while True:
                first, second = exactly(2)
                opcode, size = first & 0x0F, second & 0x7F
                if size == 126:
                    (size,) = struct.unpack("!H", exactly(2))
                elif size == 127:
                    (size,) = struct.unpack("!Q", exactly(8))
                mask = exactly(4) if second & 0x80 else b"\0\0\0\0"
                data = bytes(b ^ mask[i % 4] for i, b in enumerate(exactly(size)))
                if opcode == PING:
                    self._frame(PONG, data)
                elif opcode == TEXT:
                    self.acks.put(json.loads(data))
                elif opcode == CLOSE:
                    return
        except (OSError, ConnectionError):
            return
