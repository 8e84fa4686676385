#!/usr/bin/env python3
"""Writes a realistic Postfix log of about SIZE_MB megabytes to stdout, for benchmarks.

Each message gets the usual lines (smtpd connect/client/disconnect, cleanup, qmgr from=
and removed, smtp to=); 3 % of deliveries are deferred and 1 % bounced, with replies from
Outlook, Microsoft 365, Gmail, Yahoo and DNSBL users, spread over three gateways.
Deterministic (fixed seed): the same size gives the same file.
    scripts/gen_postfix_log.py SIZE_MB > mail.log
"""
import random
import sys

size = int(sys.argv[1]) * 1024 * 1024
rng = random.Random(42)
gateways = [("gw1", "192.0.2.25"), ("gw2", "198.51.100.7"), ("gw3", "203.0.113.40")]
domains = ["example.org", "example.net", "example.com", "mail.example.de", "corp.example"]
deferrals = [
    ("hotmail.com", "hotmail-com.olc.protection.outlook.com[52.101.8.2]", "4.7.500",
     "451 4.7.500 Server busy. Please try again later from [{ip}]. (S77719)"),
    ("yahoo.com", "mta7.am0.yahoodns.net[67.195.204.72]", "4.7.0",
     "421 4.7.0 [TSS04] Messages from {ip} temporarily deferred due to unexpected volume or user complaints - 4.16.55.1"),
    ("gmail.com", "gmail-smtp-in.l.google.com[142.250.1.26]", "4.7.28",
     "421-4.7.28 [{ip}] Gmail has detected an unusual rate of unsolicited mail originating from your IP address. 421 4.7.28 To protect our users from spam, mail sent from your IP address has been temporarily rate limited. - gsmtp"),
]
bounces = [
    ("contoso.com", "contoso-com.mail.protection.outlook.com[52.101.1.1]", "5.7.606",
     "550 5.7.606 Access denied, banned sending IP [{ip}]. To request removal from this list please visit https://sender.office.com/ and follow the directions. AS(1430)"),
    ("example.net", "mx.example.net[203.0.113.9]", "5.7.1",
     "554 5.7.1 Service unavailable; Client host [{ip}] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/{ip}"),
    ("example.com", "mx.example.com[192.0.2.80]", "5.1.1",
     "550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown in virtual mailbox table"),
]
out = sys.stdout
written = 0
t = 0
qn = 0
buf = []
while written < size:
    t += rng.randint(0, 2)
    hh, mm, ss = (t // 3600) % 24, (t // 60) % 60, t % 60
    day = 1 + (t // 86400) % 28
    stamp = f"Nov {day:2d} {hh:02d}:{mm:02d}:{ss:02d}"
    host, ip = rng.choice(gateways)
    qn += 1
    qid = f"{qn:010X}"
    pid = rng.randint(1000, 65000)
    client = f"{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    sender = f"user{rng.randint(1, 5000)}@{rng.choice(domains)}"
    lines = [
        f"{stamp} {host} postfix/smtpd[{pid}]: connect from unknown[{client}]",
        f"{stamp} {host} postfix/smtpd[{pid}]: {qid}: client=unknown[{client}]",
        f"{stamp} {host} postfix/cleanup[{pid + 1}]: {qid}: message-id=<{qn}.{pid}@{sender.split('@')[1]}>",
        f"{stamp} {host} postfix/qmgr[{pid + 2}]: {qid}: from=<{sender}>, size={rng.randint(900, 90000)}, nrcpt=1 (queue active)",
        f"{stamp} {host} postfix/smtpd[{pid}]: disconnect from unknown[{client}] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5",
    ]
    roll = rng.random()
    if roll < 0.03:
        dom, relay, dsn, text = rng.choice(deferrals)
        rcpt = f"r{rng.randint(1, 99999)}@{dom}"
        lines.append(f"{stamp} {host} postfix/smtp[{pid + 3}]: {qid}: to=<{rcpt}>, relay={relay}:25, delay=1.4, delays=0.1/0/0.6/0.7, dsn={dsn}, status=deferred (host {relay} said: {text.format(ip=ip, rcpt=rcpt)} (in reply to MAIL FROM command))")
    elif roll < 0.04:
        dom, relay, dsn, text = rng.choice(bounces)
        rcpt = f"r{rng.randint(1, 99999)}@{dom}"
        lines.append(f"{stamp} {host} postfix/smtp[{pid + 3}]: {qid}: to=<{rcpt}>, relay={relay}:25, delay=1.1, delays=0.1/0/0.5/0.5, dsn={dsn}, status=bounced (host {relay} said: {text.format(ip=ip, rcpt=rcpt)} (in reply to RCPT TO command))")
        lines.append(f"{stamp} {host} postfix/bounce[{pid + 4}]: {qid}: sender non-delivery notification: {qid}B")
    else:
        rcpt = f"r{rng.randint(1, 99999)}@{rng.choice(domains)}"
        lines.append(f"{stamp} {host} postfix/smtp[{pid + 3}]: {qid}: to=<{rcpt}>, relay=mx.{rcpt.split('@')[1]}[203.0.113.{rng.randint(1, 254)}]:25, delay=0.9, delays=0.1/0/0.3/0.5, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as {qn:X}F)")
    lines.append(f"{stamp} {host} postfix/qmgr[{pid + 2}]: {qid}: removed")
    chunk = "\n".join(lines) + "\n"
    buf.append(chunk)
    written += len(chunk)
    if len(buf) >= 2000:
        out.write("".join(buf))
        buf.clear()
out.write("".join(buf))
