#!/usr/bin/env python3
"""A scripted HTTPS server for the HTTP-source tests: recorded-format answers of the
reputation APIs, by the address asked, plus the failure modes (errors, garbage, slow,
oversized and truncated bodies). Prints "PORT n" once it listens on 127.0.0.1.

    fake_http.py CERT KEY
"""
import json
import ssl
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

ABUSEIPDB_KEY = "test-key-5ecret"
SNDS_KEY = "0badc0de-1111-2222-3333-444455556666"

SFS = {
    "192.0.2.99": {"success": 1, "ip": {"value": "192.0.2.99", "appears": 1, "frequency": 255,
                                        "lastseen": "2025-02-25 18:34:43", "confidence": 99.95,
                                        "asn": 64500}},
    "192.0.2.98": {"success": 1, "ip": {"appears": 1, "frequency": 2, "torexit": 1,
                                        "lastseen": "2012-02-13 01:35:12\x1b[31m",
                                        "confidence": 6.44}},
    "192.0.2.1": {"success": 1, "ip": {"value": "192.0.2.1", "appears": 0, "frequency": 0}},
    "2001:db8::1": {"success": 1, "ip": {"value": "2001:db8::1", "appears": 0, "frequency": 0}},
    "192.0.2.50": {"success": 0, "error": "invalid ip address"},
}

ABUSE = {
    "192.0.2.99": 100,
    "192.0.2.60": 40,
    "192.0.2.1": 0,
}


META = b'{"type":"metadata","timestamp":1700000000,"size":0,"records":2,"copyright":"x"}\n'
DROP = {
    "drop_v4.json": b'{"cidr":"198.51.100.0/24","sblid":"SBL000001","rir":"arin"}\n'
                    b'{"cidr":"203.0.112.0/22","sblid":"SBL000002","rir":"ripencc"}\n' + META,
    "drop_v6.json": b'{"cidr":"2001:db8:dead::/48","sblid":"SBL000003","rir":"ripencc"}\n' + META,
    "asndrop.json": b'{"asn":64511,"rir":"arin","domain":"bad.example","cc":"US",'
                    b'"asname":"EXAMPLE-AS-1"}\n' + META,
    # broken/: a cut download and a garbled one
    "broken/drop_v4.json": b'{"cidr":"198.51.100.0/24","sblid":"SBL000001","rir":"arin"}\n',
    "broken/drop_v6.json": b'{"cidr":"2001:db8:dead::/48"}\nnot json\n' + META,
}
DOWNLOADS = {}
SEEN = {}   # ip -> request times (for the retry and rate tests)


def ripestat_body(ip):
    end = "2026-11-29T06:00:00"
    sources = {}
    if ip == "192.0.2.80":
        sources = {"uceprotect-level1": [{"prefix": ip + "/32", "details": "x", "timelines": [
            {"starttime": "2026-10-01T10:00:00", "endtime": end}]}]}
    elif ip == "192.0.2.81":
        sources = {"uceprotect-level1": [{"prefix": ip + "/32", "details": "x", "timelines": [
            {"starttime": "2026-02-03T10:00:00", "endtime": "2026-02-09T08:00:00"}]}],
                   "spamhaus-drop": [{"prefix": "192.0.2.0/24", "timelines": [
            {"starttime": "2025-12-01T00:00:00", "endtime": "2026-01-15T00:00:00"}]}]}
    return {"messages": [], "status": "ok", "status_code": 200, "data_call_name": "blocklist",
            "data": {"query_starttime": "2025-11-29T06:00:00", "query_endtime": end,
                     "resource": ip, "sources": sources}}


def abuse_body(ip, score):
    return {"data": {"ipAddress": ip, "isPublic": True, "ipVersion": 4, "isWhitelisted": False,
                     "abuseConfidenceScore": score, "countryCode": "NL",
                     "usageType": "Data Center/Web Hosting/Transit", "isp": "Example",
                     "domain": "example.net", "hostnames": [],
                     "totalReports": 3 if score else 0, "numDistinctUsers": 2 if score else 0,
                     "lastReportedAt": "2018-12-20T20:55:14+00:00" if score else None}}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body, ctype="application/json", headers=()):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def failure_modes(self, ip):
        """Shared by every route; True when it answered."""
        if ip == "192.0.2.51":
            self.send(200, b"<html><body>Service page</body></html>", "text/html")
        elif ip == "192.0.2.52":
            self.send(503, b"upstream unavailable", "text/plain")
        elif ip == "192.0.2.53":
            time.sleep(3)
            self.send(200, {"success": 1, "ip": {"appears": 0}})
        elif ip == "192.0.2.54":
            self.send(200, b"[" + b"0," * (2 * 1024 * 1024) + b"0]")
        elif ip == "192.0.2.55":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b'{"success":1,"ip":{"app')
            self.wfile.flush()
            self.close_connection = True
        else:
            return False
        return True

    def do_GET(self):
        url = urlparse(self.path)
        q = parse_qs(url.query, keep_blank_values=True)
        if url.path == "/sfs/api":
            ip = q.get("ip", [""])[0]
            SEEN.setdefault(ip, []).append(time.monotonic())
            tries = len(SEEN[ip])
            if "json" not in q:
                self.send(400, b"<response success=\"false\"/>", "text/xml")
            elif ip == "192.0.2.70" and tries == 1:
                self.send(503, b"try again", "text/plain")
            elif ip == "192.0.2.71" and tries == 1:
                self.send(429, {"success": 0, "error": "slow down"},
                          headers=[("Retry-After", "1")])
            elif not self.failure_modes(ip):
                self.send(200, SFS.get(ip, {"success": 1, "ip": {"appears": 1, "frequency": 1}}
                                       if ip in ("192.0.2.70", "192.0.2.71") else
                                       {"success": 1, "ip": {"appears": 0, "frequency": 0}}))
        elif url.path == "/abuseipdb/api/v2/check":
            ip = q.get("ipAddress", [""])[0]
            if self.headers.get("Key") != ABUSEIPDB_KEY:
                self.send(401, {"errors": [{"detail": "Authentication failed. Your API key is "
                                            "either missing, incorrect, or revoked.",
                                            "status": 401}]})
            elif self.headers.get("Accept") != "application/json":
                self.send(401, b"<html>login</html>", "text/html")
            elif ip == "192.0.2.62":
                self.send(403, {"errors": [{"detail": "This endpoint is not available on your "
                                            "plan.", "status": 403}]})
            elif ip == "192.0.2.61":
                self.send(429, {"errors": [{"detail": "Daily rate limit of 1000 requests "
                                            "exceeded for this endpoint.", "status": 429}]},
                          headers=[("Retry-After", "29241"), ("X-RateLimit-Limit", "1000"),
                                   ("X-RateLimit-Remaining", "0")])
            elif not self.failure_modes(ip):
                self.send(200, abuse_body(ip, ABUSE.get(ip, 0)))
        elif url.path == "/ripestat/data/prefix-overview/data.json":
            ip = q.get("resource", [""])[0]
            data = ({"announced": False, "asns": [], "resource": ip} if ip == "10.0.0.1" else
                    {"announced": True, "resource": "192.0.2.0/24",
                     "asns": [{"asn": 64500, "holder": "EXAMPLE-AS - Example Networks"}]})
            self.send(200, {"status": "ok", "status_code": 200, "messages": [], "data": data})
        elif url.path == "/ripestat/data/network-info/data.json":
            ip = q.get("resource", [""])[0]
            asns = [] if ip == "10.0.0.1" else ["64511"] if ip == "203.0.113.66" else ["64500"]
            self.send(200, {"status": "ok", "status_code": 200, "messages": [],
                            "data": {"asns": asns, "prefix": "203.0.113.0/24"}})
        elif url.path == "/ripestat/data/abuse-contact-finder/data.json":
            self.send(200, {"status": "ok", "status_code": 200, "messages": [],
                            "data": {"abuse_contacts": ["abuse@example.net"],
                                     "authoritative_rir": "ripe"}})
        elif url.path == "/ripestat/data/blocklist/data.json":
            ip = q.get("resource", [""])[0]
            if "starttime" not in q:
                self.send(400, {"status": "error", "status_code": 400,
                                "messages": [["error", "starttime is required"]]})
            elif ip == "192.0.2.82":
                self.send(400, {"status": "error", "status_code": 400, "data": {},
                                "messages": [["error", "Invalid resource: 192.0.2.82"]]})
            elif not self.failure_modes(ip):
                self.send(200, ripestat_body(ip))
        elif url.path == "/snds/ipStatus.aspx":
            if q.get("key", [""])[0] != SNDS_KEY:
                self.send(200, b"<html><head><title>Sign in</title></head></html>", "text/html")
            else:
                self.send(200, b"192.0.2.10,192.0.2.11,Yes,Blocked due to user complaints or "
                               b"other evidence of spamming\r\n"
                               b"198.51.100.7,198.51.100.7,Yes,Blocked, with a comma\r\n"
                               b"203.0.113.1,203.0.113.1,No,\r\n", "text/plain")
        elif url.path == "/snds/data.aspx":
            if q.get("key", [""])[0] != SNDS_KEY:
                self.send(200, b"<html><head><title>Sign in</title></head></html>", "text/html")
            else:
                day = b"11/27/2026 9:00 PM,11/28/2026 9:00 PM,"
                self.send(200,
                          b"192.0.2.10," + day + b"47386,47386,47384,YELLOW,< 0.1%,"
                          b"11/28/2026 8:07 AM,11/28/2026 11:53 AM,40,,,\r\n"
                          b"192.0.2.11," + day + b"14121,14121,12960,RED,< 0.1%,,,0,,,\r\n"
                          b"192.0.2.12," + day + b"900,900,900,GREEN,0.4%,,,0,mail.example,"
                          b"bounce@example.net,\"JMR, 3 complaints\"\r\n"
                          b"192.0.2.13," + day + b"500,500,500,GREEN,< 0.1%,,,0,,,\r\n",
                          "text/plain")
        elif url.path.startswith("/drop/"):
            DOWNLOADS[url.path] = DOWNLOADS.get(url.path, 0) + 1
            name = url.path[len("/drop/"):]
            if name in DROP:
                self.send(200, DROP[name], "application/x-ndjson")
            else:
                self.send(404, b"no such file", "text/plain")
        elif url.path == "/stats":
            self.send(200, {"downloads": DOWNLOADS, "seen": SEEN})
        else:
            self.send(404, b"no such route", "text/plain")


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # clients that give up early (timeouts, size limits) are part of the tests


def main():
    cert, key = sys.argv[1], sys.argv[2]
    server = Server(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    print(f"PORT {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
