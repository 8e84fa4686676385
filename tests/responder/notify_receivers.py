#!/usr/bin/env python3
"""Receivers for serve's notification tests: an HTTP server that records each POST, and a
real SMTP server (aiosmtpd, Debian's python3-aiosmtpd) that requires STARTTLS and AUTH and
records each message. Prints "PORTS HTTP SMTP" once both listen on 127.0.0.1.

    notify_receivers.py DIR CERT KEY USER PASSWORD

DIR/http.jsonl and DIR/smtp.jsonl get one JSON object per delivery; while DIR/down exists
the HTTP server answers 503 with Retry-After: 1 (and counts those in DIR/refused.jsonl).
"""
import json
import os
import socket
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

DIR, CERT, KEY, USER, PASSWORD = sys.argv[1:6]
LOCK = threading.Lock()


def record(name, obj):
    with LOCK, open(os.path.join(DIR, name), "a", encoding="utf-8") as f:
        f.write(json.dumps(obj) + "\n")


class Hook(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode("utf-8", "replace")
        if os.path.exists(os.path.join(DIR, "down")):
            record("refused.jsonl", {"path": self.path})
            self.send_response(503)
            self.send_header("Retry-After", "1")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        record("http.jsonl", {"path": self.path,
                              "content_type": self.headers.get("Content-Type", ""),
                              "body": body})
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")


class Mailbox:
    async def handle_DATA(self, server, session, envelope):
        record("smtp.jsonl", {"from": envelope.mail_from, "to": envelope.rcpt_tos,
                              "tls": session.ssl is not None,
                              "user": session.auth_data.login.decode()
                              if isinstance(session.auth_data, LoginPassword) else None,
                              "data": envelope.content.decode("utf-8", "replace")})
        return "250 OK"


def authenticate(server, session, envelope, mechanism, auth_data):
    ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == USER
          and auth_data.password.decode() == PASSWORD)
    return AuthResult(success=ok, auth_data=auth_data)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    http = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(CERT, KEY)
    smtp_port = free_port()
    smtp = Controller(Mailbox(), hostname="127.0.0.1", port=smtp_port, tls_context=tls,
                      require_starttls=True, auth_required=True, authenticator=authenticate)
    smtp.start()
    print(f"PORTS {http.server_address[1]} {smtp_port}", flush=True)
    threading.Event().wait()


main()
