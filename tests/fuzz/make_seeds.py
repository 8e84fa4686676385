#!/usr/bin/env python3
"""Writes the seed corpora under tests/fuzz/corpus/ (run from anywhere; idempotent).

Seeds are small valid inputs of each format, so the fuzzers start from the shapes the
parsers accept. Crashes found later go to tests/fuzz/regressions/NAME/, not here.
"""
import base64
import json
import os
import struct
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


# --- target: target strings and --input files
for i, t in enumerate(["192.0.2.1", "2001:db8::1", "192.0.2.0/24", "2001:db8::/120",
                       "mail.example.com", "User.Name+tag@Example.COM", "[::1]:5353",
                       "192.0.2.1:53", "::ffff:127.0.0.2", "bad..name", "300.1.1.1",
                       "# comment\n192.0.2.1\n\n10.0.0.0/30  # trailing\nexample.org\n"]):
    write("target", f"seed{i:02d}", t)

# --- toml: the shipped catalog, a configuration file, small catalogs
with open(os.path.join(ROOT, "lists.toml"), "rb") as f:
    write("toml", "lists.toml", f.read())
write("toml", "config", '[keys]\nRBLSCOPE_ABUSEIPDB_KEY = "abc123"\n')
write("toml", "modules", '[keys]\nK = "v"\n[modules.strict]\nzones = "default,tag:policy"\n'
      'warning = "0"\ncritical = "2:"\nthreshold_on = "score"\nerrors_as = "ok"\n'
      'query_timeout = 2.5\nretries = 1\n[modules.fast]\nquery_timeout = 1\n')
write("toml", "zone", '[[zone]]\nid = "x"\nname = "X"\nzone = "x.example"\nkind = "ip4"\n'
      'codes = [{ code = "127.0.0.2", meaning = "spam", severity = "critical" }]\n'
      'test_listed = "127.0.0.2"\ntest_unlisted = "127.0.0.1"\n')
write("toml", "patterns", '[[zone]]\nid = "w"\nzone = "w.example"\nkind = "both"\nrole = "allow"\n'
      'codes = [{ code = "127.0.*.255", severity = "error" }, { code = "127.0.*.0", '
      'severity = "info" }, { code = "127.*.*.3" }, { code = "127.0.0.0/16" }]\n')
write("toml", "rule", '[[provider]]\nid = "p"\nname = "P"\nhosts = [".p.example"]\n'
      '[[rejection]]\nid = "r"\ncategory = "blocklist"\nprovider = "p"\n'
      'patterns = ["blocked using (?P<list>[a-z.]+)"]\ncause = "c"\nsteps = ["s {ip}"]\n')
# A catalog, a NUL byte, an override file (lists.d): merged by id.
write("toml", "override", '[[zone]]\nid = "x"\nzone = "x.example"\nkind = "ip4"\n'
      'status = "active"\ndefault = true\n\0[[zone]]\nid = "x"\nstatus = "defunct"\n'
      'server = "127.0.0.1:5353"\n[[zone]]\nid = "y"\nzone = "y.example"\nkind = "ip6"\n'
      '[resolvers]\npublic = ["192.0.2.1"]\n')


# --- dns_answer: [type][status][zone][packet]; types a aaaa txt mx ptr; statuses
# success, nxdomain, nodata, servfail
def name(n):
    out = b""
    for label in n.split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def packet(qname, qtype, answers=(), authority=(), rcode=0):
    hdr = struct.pack(">HHHHHH", 0x1234, 0x8180 | rcode, 1, len(answers), len(authority), 0)
    body = name(qname) + struct.pack(">HH", qtype, 1)
    for rtype, rdata in list(answers) + list(authority):
        body += b"\xc0\x0c" + struct.pack(">HHIH", rtype, 1, 300, len(rdata)) + rdata
    return hdr + body


soa = name("ns.example") + name("hostmaster.example") + struct.pack(">IIIII", 1, 2, 3, 4, 60)
q = "2.0.0.127.zen.spamhaus.org"
write("dns_answer", "a_listed", b"\0\0\0" + packet(q, 1, [(1, bytes([127, 0, 0, 2])),
                                                           (1, bytes([127, 0, 0, 4]))]))
write("dns_answer", "a_error_code", b"\0\0\1" + packet(q, 1, [(1, bytes([127, 255, 255, 254]))]))
write("dns_answer", "a_outside", b"\0\0\2" + packet(q, 1, [(1, bytes([192, 0, 2, 1]))]))
write("dns_answer", "nxdomain", b"\0\1\0" + packet(q, 1, authority=[(6, soa)], rcode=3))
write("dns_answer", "nodata", b"\0\2\0" + packet(q, 1, authority=[(6, soa)]))
write("dns_answer", "aaaa", b"\1\0\0" + packet("mail.example", 28, [(28, bytes(15) + b"\1")]))
txt = b"\x2dListed by example: see https://example.test/?ip=127.0.0.2" + b"\x05\x1b[31m"
write("dns_answer", "txt", b"\2\0\0" + packet(q, 16, [(16, txt)]))
write("dns_answer", "mx", b"\3\0\0" + packet("example", 15, [(15, b"\0\x0a" + name("mx.example"))]))
write("dns_answer", "ptr", b"\4\0\0" + packet("1.2.0.192.in-addr.arpa", 12,
                                             [(12, name("mail.example"))]))

# --- http_body: [adapter][status][4 address bytes][body][\0 second body]
# Adapters in sorted name order (http_adapter_names()).
adapters = sorted(["stopforumspam", "abuseipdb", "spamhaus-drop", "ripestat-blocklist",
                   "snds-ipstatus", "snds-data", "ripestat-network", "ripestat-abuse-contact",
                   "spamhaus-asndrop", "google-postmaster", "google-postmaster-compliance"])
meta = b'{"type":"metadata","timestamp":1700000000,"size":0,"records":2,"copyright":"x"}\n'
bodies = {
    "stopforumspam": [json.dumps({"success": 1, "ip": {"appears": 1, "frequency": 5,
                                                       "lastseen": "2026-11-20 10:00:00",
                                                       "confidence": 87.5}}).encode()],
    "abuseipdb": [json.dumps({"data": {"ipAddress": "192.0.2.99", "abuseConfidenceScore": 100,
                                       "countryCode": "NL", "isp": "Example",
                                       "totalReports": 3, "numDistinctUsers": 2,
                                       "lastReportedAt": "2018-12-20T20:55:14+00:00"}}).encode(),
                  json.dumps({"errors": [{"detail": "Authentication failed.",
                                          "status": 401}]}).encode()],
    "ripestat-blocklist": [json.dumps({"status": "ok", "data": {"resource": "192.0.2.80",
        "sources": {"uceprotect-level1": [{"prefix": "192.0.2.80/32", "timelines": [
            {"starttime": "2026-10-01T10:00:00", "endtime": "2026-11-29T06:00:00"}]}]},
        "query_endtime": "2026-11-29T06:00:00"}}).encode()],
    "ripestat-network": [json.dumps({"status": "ok", "data": {"announced": True,
        "resource": "192.0.2.0/24", "asns": [{"asn": 64500, "holder": "EXAMPLE"}]}}).encode()],
    "ripestat-abuse-contact": [json.dumps({"status": "ok", "data": {
        "abuse_contacts": ["abuse@example.net"], "authoritative_rir": "ripe"}}).encode()],
    "snds-ipstatus": [b"192.0.2.10,192.0.2.11,Yes,Blocked due to user complaints\r\n"
                      b"198.51.100.7,198.51.100.7,Yes,\"Blocked, with a comma\"\r\n"],
    "snds-data": [b"192.0.2.10,11/27/2026 9:00 PM,11/28/2026 9:00 PM,47386,47386,47384,"
                  b"YELLOW,< 0.1%,11/28/2026 8:07 AM,11/28/2026 11:53 AM,40,,,\r\n"],
    "spamhaus-drop": [b'{"cidr":"192.0.2.0/24","sblid":"SBL000001","rir":"arin"}\n'
                      b'{"cidr":"2001:db8:dead::/48","sblid":"SBL000003","rir":"ripencc"}\n'
                      + meta],
    "google-postmaster": [json.dumps({"domainStats": [
        {"metric": "spam_rate", "date": {"year": 2026, "month": 12, "day": 5},
         "value": {"doubleValue": 0.0042}},
        {"metric": "spf", "date": {"year": 2026, "month": 12, "day": 5},
         "value": {"intValue": "1"}}]}).encode(),
        json.dumps({"access_token": "ya29.x", "expires_in": 3599, "token_type": "Bearer"}).encode(),
        json.dumps({"type": "service_account", "client_email": "a@b.iam",
                    "private_key": "-----BEGIN PRIVATE KEY-----\nx\n"}).encode()],
    "google-postmaster-compliance": [json.dumps({"complianceData": {
        "rowData": [{"requirement": "SPF", "status": {"status": "COMPLIANT"}},
                    {"requirement": "DMARC_ALIGNMENT", "status": {"status": "NEEDS_WORK"}}],
        "oneClickUnsubscribeVerdict": {"status": {"status": "NEEDS_WORK"},
                                       "reason": "NO_UNSUB_GENERAL"}}}).encode()],
    "spamhaus-asndrop": [b'{"asn":64511,"rir":"arin","domain":"bad.example","cc":"US",'
                         b'"asname":"EXAMPLE-AS-1"}\n' + meta + b"\0" +
                         json.dumps({"status": "ok", "data": {"asns": ["64511"],
                                     "prefix": "192.0.2.0/24"}}).encode()],
}
for a, name_ in enumerate(adapters):
    for i, body in enumerate(bodies.get(name_, [])):
        write("http_body", f"{name_}-{i}", bytes([a, 0, 192, 0, 2, 10]) + body)

# --- explain: log lines and bounces
write("explain", "postfix",
      "\0Nov 20 10:00:01 gw1 postfix/smtp[1234]: 4F1AB2C3D4: to=<user@contoso.com>, "
      "relay=contoso-com.mail.protection.outlook.com[52.101.1.1]:25, delay=1, "
      "delays=0/0/0.5/0.5, dsn=5.7.606, status=bounced (host "
      "contoso-com.mail.protection.outlook.com[52.101.1.1] said: 550 5.7.606 Access denied, "
      "banned sending IP [203.0.113.5]. (in reply to RCPT TO command))\n")
write("explain", "exim",
      "\x10" "2026-11-20 10:00:00 1rA2b3-000Abc-1x ** user@example.org R=dnslookup T=remote_smtp "
      "H=mx.example.org [192.0.2.25]: SMTP error from remote mail server after RCPT "
      "TO:<user@example.org>: 554 5.7.1 Service unavailable; Client host [203.0.113.5] "
      "blocked using zen.spamhaus.org\n")
write("explain", "dsn",
      "\x40From MAILER-DAEMON Fri Nov 20 10:00:00 2026\n"
      "Subject: Undelivered Mail Returned to Sender\nMIME-Version: 1.0\n"
      "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n\n"
      "--B\nContent-Type: text/plain\n\n<user@hotmail.com>: host "
      "hotmail-com.olc.protection.outlook.com[52.101.2.2] said: 550 5.7.1 Unfortunately, "
      "messages from [203.0.113.5] weren't sent. (S3150) (in reply to MAIL FROM command)\n"
      "--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; gw1\n\n"
      "Final-Recipient: rfc822; user@hotmail.com\nAction: failed\nStatus: 5.7.1\n"
      "Diagnostic-Code: smtp; 550 5.7.1 blocked using FBLW15\n"
      "--B\nContent-Type: message/rfc822\n\nSubject: hi\n\nbody\n--B--\n")
write("explain", "reply", "\x05451 4.7.500 Server busy. Please try again later from "
      "[203.0.113.5]. (S77719)\n")
write("explain", "notes",
      "\x07From: POSTMASTER@gw.example.com\nSubject: Undeliverable message\n\n"
      "------- Failure Reasons  --------\n\nUser not listed in public Name & Address Book\n"
      "user@example.com\n\n------- Returned Message --------\nSubject: hi\n\nbody\n")
write("explain", "sendmail-v5",
      "\x0bFrom: MAILER-DAEMON@gw.example.com\nSubject: Returned mail\n\n"
      "   ----- Transcript of session follows -----\nWhile talking to mx.example.org:\n"
      ">>> MAIL From:<s@example.jp>\n<<< 501 <s@example.jp>... no access from mail server\n"
      "554 <a@example.org>... Remote protocol error\n550 example.net (smtp)... 550 Host unknown\n"
      "554 <b@example.net>... 550 Host unknown\n\n   ----- Unsent message follows -----\n")
write("explain", "exchange2003",
      "\x03From: postmaster@example.com\nSubject: Undeliverable: hi\n\n"
      "Your message did not reach some or all of the intended recipients.\n\n"
      "      To:\tsender@example.jp\n\nThe following recipient(s) could not be reached:\n\n"
      "      user@example.com on 4/29/01 11:34:45 PM\n            Recipient Not Found\n")
write("explain", "x-postfix",
      "\x13Final-Recipient: rfc822; user@example.com\nAction: failed\nStatus: 4.0.0\n"
      "Diagnostic-Code: X-Postfix; delivery temporarily suspended: host\n"
      "    mx.example.net[192.0.2.7] refused to talk to me: 421 Service not\n"
      "    available, closing transmission channel\n")

# --- spf: [address][sender]\0[helo]\0 records
write("spf", "include", b"\0user@example.com\0mail.example.com\0"
      b"example.com txt v=spf1 ip4:192.0.2.0/24 include:_spf.example.net mx -all\n"
      b"_spf.example.net txt v=spf1 a:%{d}.%{i}.example.net ~all\n"
      b"example.com mx 10 mx.example.com\nmx.example.com a 192.0.2.25\n")
write("spf", "macros", b"\1x@m.example\0h.example\0"
      b"m.example txt v=spf1 exists:%{ir}.%{l1r+-}._spf.%{d} redirect=r.example\n"
      b"r.example txt v=spf1 ptr ip6:2001:db8::/32 exp=e.example -all\n"
      b"e.example txt %{i} is not allowed to send for %{d}\n")

# --- dmarc_dkim
write("dmarc_dkim", "dmarc", "v=DMARC1; p=reject; sp=quarantine; pct=50; "
      "rua=mailto:dmarc@example.com")
# A fresh key each time would change the seed on every run: keep the first one.
if not os.path.exists(os.path.join(HERE, "corpus", "dmarc_dkim", "dkim")):
    key = subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                          "rsa_keygen_bits:1024"], capture_output=True, check=True).stdout
    pub = subprocess.run(["openssl", "pkey", "-pubout", "-outform", "DER"], input=key,
                         capture_output=True, check=True).stdout
    write("dmarc_dkim", "dkim", "v=DKIM1; k=rsa; p=" + base64.b64encode(pub).decode())
write("dmarc_dkim", "dkim_revoked", "v=DKIM1; p=")

# --- threshold
for i, t in enumerate(["10", "10:", "~:10", "10:20", "@10:20", "1.5:2.5", "-5:-1"]):
    write("threshold", f"seed{i}", t)

# --- reports: eight \0-separated hostile strings
write("reports", "escapes", b"\x1b[2J\x1b]0;title\x07listed\0\x00\x7f\xc2\x9b31m\0"
      b"<script>alert(1)</script>\0javascript:alert(1)\0\xff\xfe bad utf-8\0"
      b"line1\nline2\r\n\0<img src=x onerror=alert(1)>\0\"quoted\", comma")
write("reports", "long", b"A" * 3000 + b"\0" + "\u202eevil\u202c".encode() + b"\0=cmd|' /C calc'!A0")

# --- state: the --state file
write("state", "two-entries",
      '{"rblscope_state":1,"written":1764400000,"results":{'
      '"192.0.2.10\\tst.test\\t192.0.2.10":{"status":"listed","codes":["127.0.0.2"]},'
      '"192.0.2.11\\tst.test\\t192.0.2.11":{"status":"clean","codes":[],'
      '"unanswered":true,"error":"timeout"}}}\n')
