"""A hand-written SSDP "camera" for the network-namespace tests: it sends given NOTIFY
texts, answers M-SEARCH with given response texts, serves a description at one HTTP
path, and sends some noise. Standard library only, independent of ptpkit's codec.

    python ssdp_responder.py CONFIG.json

CONFIG: {"ip": address to use, "notify": [text], "responses": {ST: [text]},
"noise": [hex], "http_port": N, "http_path": "/x.xml", "description": text,
"lifetime": seconds}. Prints "ready" once listening; stops after ``lifetime`` or on
SIGTERM.
"""

from __future__ import annotations

import json
import select
import signal
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

GROUP = ("239.255.255.250", 1900)


def main() -> None:
    config = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    ip = config["ip"]
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())

    description = config["description"].encode()
    path = config["http_path"]

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path != path:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", str(len(description)))
            self.end_headers()
            self.wfile.write(description)

        def log_message(self, *args: object) -> None:
            pass

    http = HTTPServer((ip, config["http_port"]), Handler)
    threading.Thread(target=http.serve_forever, daemon=True).start()

    listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("", 1900))
    membership = struct.pack("4s4s", socket.inet_aton(GROUP[0]), socket.inet_aton(ip))
    listener.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, membership)
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sender.bind((ip, 0))
    sender.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(ip))
    sender.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 2)
    print("ready", flush=True)

    notify = [text.encode() for text in config["notify"]]
    noise = [bytes.fromhex(h) for h in config.get("noise", [])]
    responses = {
        st.lower(): [t.encode() for t in texts] for st, texts in config["responses"].items()
    }
    start = time.monotonic()
    bursts = [0.0, 0.5, 1.5, 3.0]
    while not stop.is_set() and time.monotonic() - start < config["lifetime"]:
        if bursts and time.monotonic() - start >= bursts[0]:
            bursts.pop(0)
            for data in noise + notify:
                sender.sendto(data, GROUP)
        ready, _, _ = select.select([listener], [], [], 0.1)
        if not ready:
            continue
        data, peer = listener.recvfrom(9000)
        if not data.startswith(b"M-SEARCH"):
            continue
        st = ""
        for line in data.decode("latin-1").split("\r\n"):
            name, _, value = line.partition(":")
            if name.strip().lower() == "st":
                st = value.strip().lower()
        answers = (
            [t for texts in responses.values() for t in texts]
            if st == "ssdp:all"
            else responses.get(st, [])
        )
        for answer in noise + answers:
            sender.sendto(answer, peer)
    http.shutdown()


if __name__ == "__main__":
    main()
