#!/usr/bin/env python3
"""A local HTTPS stand-in for Google's OAuth 2.0 token endpoint and the Postmaster Tools
API v2, for the google-postmaster tests. Prints "PORT n" once it listens on 127.0.0.1.

    fake_google.py CERT KEY SERVICE_ACCOUNT_PUBLIC_KEY CLIENT_EMAIL

POST /token checks the JWT bearer grant as Google does: the RS256 signature against the
service account's public key (with the openssl command), and the claims (iss, scope, the
token URL as aud, an hour's validity). POST /v2/domains/D/domainStats:query answers by
domain (see STATS and the failure domains below) and only with a token it issued.
GET /stats gives what it saw (token requests, the claims of the last JWT, queries).
"""
import base64
import json
import os
import ssl
import subprocess
import sys
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote

SCOPE = "https://www.googleapis.com/auth/postmaster.traffic.readonly"
PUBLIC_KEY = ""
CLIENT_EMAIL = ""
TOKENS = {}        # token -> still valid
SEEN = {"token_requests": 0, "claims": None, "queries": {}, "bodies": {}}


def stat(metric, day, value):
    return {"name": "domains/x/domainStats/opaque", "metric": metric,
            "date": {"year": 2026, "month": 12, "day": day}, "value": {"doubleValue": value}}


def day_stats(day, spam, extra=True):
    rows = [stat("spam_rate", day, spam)]
    if extra:
        rows += [stat("spf", day, 1.0), stat("dkim", day, 0.998), stat("dmarc", day, 0.998),
                 stat("tls", day, 1.0)]
    return rows


STATS = {
    # most recent day 2026-12-05; the older days differ, so the test sees which was taken
    "critical.example": day_stats(3, 0.0001) + day_stats(5, 0.0042),
    "warning.example": day_stats(5, 0.0015, extra=False) + day_stats(4, 0.0040),
    "clean.example": day_stats(4, 0.0090) + day_stats(5, 0.0002),
    "nodata.example": [],
    "quota.example": day_stats(5, 0.0003),
    "expired.example": day_stats(5, 0.0003),
    # a day with auth figures but no spam rate is not "the most recent day with data"
    "partial.example": day_stats(2, 0.0005) + [stat("spf", 6, 1.0)],
}


def compliance(needs_work=(), unsub=("COMPLIANT", None)):
    rows = ["SPF", "DKIM", "SPF_AND_DKIM", "DMARC_POLICY", "DMARC_ALIGNMENT",
            "MESSAGE_FORMATTING", "DNS_RECORDS", "ENCRYPTION", "USER_REPORTED_SPAM_RATE"]
    data = {"domainId": "x", "rowData": [
        {"requirement": r, "status": {"status": "NEEDS_WORK" if r in needs_work else "COMPLIANT"}}
        for r in rows]}
    data["oneClickUnsubscribeVerdict"] = {"status": {"status": unsub[0]}}
    if unsub[1]:
        data["oneClickUnsubscribeVerdict"]["reason"] = unsub[1]
    data["honorUnsubscribeVerdict"] = {"status": {"status": "COMPLIANT"}}
    return {"name": "domains/x/complianceStatus", "complianceData": data}


COMPLIANCE = {
    "clean.example": compliance(),
    "critical.example": compliance(("DMARC_ALIGNMENT", "USER_REPORTED_SPAM_RATE"),
                                   ("NEEDS_WORK", "NO_UNSUB_SPAM_REPORTS")),
    "nodata.example": {"name": "domains/nodata.example/complianceStatus"},
}


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def verify_jwt(jwt, token_url):
    """The claims when the JWT is signed by the service account's key and asks for
    this token URL and scope; else a text saying what is wrong."""
    parts = jwt.split(".")
    if len(parts) != 3:
        return None, "not a JWT"
    header = json.loads(b64url_decode(parts[0]))
    claims = json.loads(b64url_decode(parts[1]))
    if header.get("alg") != "RS256" or header.get("typ") != "JWT":
        return None, "header " + json.dumps(header)
    with tempfile.TemporaryDirectory() as d:
        data, sig = os.path.join(d, "data"), os.path.join(d, "sig")
        with open(data, "wb") as f:
            f.write((parts[0] + "." + parts[1]).encode())
        with open(sig, "wb") as f:
            f.write(b64url_decode(parts[2]))
        ok = subprocess.run(["openssl", "dgst", "-sha256", "-verify", PUBLIC_KEY,
                             "-signature", sig, data], capture_output=True).returncode == 0
    if not ok:
        return None, "Invalid JWT Signature."
    now = time.time()
    if claims.get("iss") != CLIENT_EMAIL or claims.get("scope") != SCOPE or \
            claims.get("aud") != token_url or claims.get("exp", 0) - claims.get("iat", 0) != 3600 \
            or abs(claims.get("iat", 0) - now) > 300:
        return None, "claims " + json.dumps(claims)
    return claims, None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body, headers=()):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def rpc_error(self, code, status, message, headers=()):
        self.send(code, {"error": {"code": code, "message": message, "status": status}},
                  headers)

    def do_GET(self):
        if self.path == "/stats":
            self.send(200, SEEN)
        elif self.path.startswith("/v2/domains/") and self.path.endswith("/complianceStatus"):
            domain = unquote(self.path[len("/v2/domains/"):-len("/complianceStatus")])
            auth = self.headers.get("Authorization", "")
            if not TOKENS.get(auth[len("Bearer "):] if auth.startswith("Bearer ") else ""):
                self.rpc_error(401, "UNAUTHENTICATED", "Request had invalid credentials.")
            elif domain in COMPLIANCE:
                self.send(200, COMPLIANCE[domain])
            else:
                self.rpc_error(404, "NOT_FOUND", "Requested entity was not found.")
        else:
            self.send(404, b"{}")

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path == "/token":
            self.token(body)
        elif self.path.startswith("/v2/domains/") and self.path.endswith("/domainStats:query"):
            domain = unquote(self.path[len("/v2/domains/"):-len("/domainStats:query")])
            self.query(domain, body)
        else:
            self.send(404, b"{}")

    def token(self, body):
        SEEN["token_requests"] += 1
        form = parse_qs(body.decode())
        if form.get("grant_type") != ["urn:ietf:params:oauth:grant-type:jwt-bearer"] or \
                self.headers.get("Content-Type") != "application/x-www-form-urlencoded":
            self.send(400, {"error": "unsupported_grant_type"})
            return
        token_url = f"https://{self.headers['Host']}/token"
        claims, why = verify_jwt(form.get("assertion", [""])[0], token_url)
        if claims is None:
            self.send(400, {"error": "invalid_grant", "error_description": why})
            return
        SEEN["claims"] = claims
        token = f"ya29.stand-in-token-{SEEN['token_requests']}"
        TOKENS[token] = True
        self.send(200, {"access_token": token, "expires_in": 3599, "token_type": "Bearer"})

    def query(self, domain, body):
        SEEN["queries"][domain] = SEEN["queries"].get(domain, 0) + 1
        tries = SEEN["queries"][domain]
        SEEN["bodies"][domain] = json.loads(body)
        auth = self.headers.get("Authorization", "")
        token = auth[len("Bearer "):] if auth.startswith("Bearer ") else ""
        if domain == "expired.example" and tries == 1:
            TOKENS[token] = False  # Google ended this token early
        if not TOKENS.get(token):
            self.rpc_error(401, "UNAUTHENTICATED", "Request had invalid authentication "
                           "credentials. Expected OAuth 2 access token.")
        elif domain == "denied.example":
            self.rpc_error(403, "PERMISSION_DENIED", "The caller does not have permission")
        elif domain == "disabled.example":
            self.rpc_error(403, "PERMISSION_DENIED", "Gmail Postmaster Tools API has not been "
                           "used in project 123 before or it is disabled.")
        elif domain == "unknown.example":
            self.rpc_error(404, "NOT_FOUND", "Requested entity was not found.")
        elif domain == "quota.example" and tries == 1:
            self.rpc_error(429, "RESOURCE_EXHAUSTED", "Quota exceeded", [("Retry-After", "1")])
        elif domain == "truncated.example":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b'{"domainStats":[{"metric":"spam_rate","da')
            self.wfile.flush()
            self.close_connection = True
        elif domain in STATS:
            self.send(200, {"domainStats": STATS[domain]} if STATS[domain] else {})
        else:
            self.rpc_error(404, "NOT_FOUND", "Requested entity was not found.")


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass


def main():
    global PUBLIC_KEY, CLIENT_EMAIL
    cert, key, PUBLIC_KEY, CLIENT_EMAIL = sys.argv[1:5]
    server = Server(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    print(f"PORT {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
