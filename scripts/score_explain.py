#!/usr/bin/env python3
"""Scores `rblscope explain` on the labelled bounce corpus (../shared/corpora/bounces).

Each labelled record's Sisimai reason is mapped to a group; a record counts when the
category explain gives for that recipient maps to the same group. Two inputs per record:
the whole .eml, and only the text a person would paste (the record's Diagnostic-Code, or
the error paragraph of a bounce without a DSN part). Also: how often the provider is
named, for records whose provider the labels know.

Usage: scripts/score_explain.py [--bin BUILD/src/rblscope] [--corpus DIR] [--misses]
Skips (exit 0) when the corpus is absent: a clone of the project does not have it.
"""

import argparse
import collections
import concurrent.futures
import email
import email.policy
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Sisimai's reasons -> the groups the team measures (issue 16).
REASON_GROUP = {
    "blocked": "blocklist",
    "badreputation": "reputation",
    "speeding": "rate-limit", "toomanyconn": "rate-limit",
    "spamdetected": "spam-content", "virusdetected": "spam-content",
    "policyviolation": "policy", "securityerror": "policy", "notcompliantrfc": "policy",
    "contenterror": "policy",
    "authfailure": "authentication",
    "requireptr": "ptr-rdns",
    "rejected": "sender-rejected", "norelaying": "sender-rejected",
    "userunknown": "recipient", "hostunknown": "recipient", "hasmoved": "recipient",
    "suspend": "recipient", "filtered": "recipient",
    "mailboxfull": "size-quota", "exceedlimit": "size-quota", "mesgtoobig": "size-quota",
    "systemfull": "size-quota",
    "expired": "transient-system", "networkerror": "transient-system",
    "systemerror": "transient-system", "notaccept": "transient-system",
    "failedstarttls": "transient-system", "mailererror": "transient-system",
    "syntaxerror": "transient-system",
    "feedback": "not-a-rejection", "vacation": "not-a-rejection", "delivered": "not-a-rejection",
    "onhold": "undetermined", "undefined": "undetermined",
}
REPUTATION_GROUPS = {"blocklist", "reputation", "rate-limit", "spam-content", "policy",
                     "authentication", "ptr-rdns"}

# explain's categories -> groups: one group each.
CATEGORY_GROUP = {
    "public-blocklist": "blocklist", "provider-blocklist": "blocklist",
    "throttling": "reputation",
    "rate-limit": "rate-limit",
    "content": "spam-content",
    "policy": "policy",
    "authentication": "authentication",
    "reverse-dns": "ptr-rdns",
    "sender": "sender-rejected",
    "recipient": "recipient",
    "size-quota": "size-quota",
    "network": "transient-system",
    "not-a-rejection": "not-a-rejection",
    "unknown": "undetermined",
}

# Sisimai's provider names -> the catalog's [[provider]] ids that stand for that company.
PROVIDER_IDS = {
    "Google": {"google"}, "GSuite": {"google"},
    "Outlook": {"outlook-com", "microsoft-365"}, "Microsoft": {"microsoft-365", "outlook-com"},
    "YahooInc": {"yahoo"}, "Aol": {"yahoo"},
    "Apple": {"apple"}, "Zoho": {"zoho"}, "FrancePTT": {"orange"},
    "KDDI": {"kddi"}, "NTTDOCOMO": {"docomo"}, "GoDaddy": {"godaddy"},
    "Tencent": {"tencent"}, "MessageLabs": {"symantec"}, "Mimecast": {"mimecast"},
    "IUA": {"i-ua"}, "Spectrum": {"spectrum"},
}

ERROR_WORDS = re.compile(
    r"\b(?:[45]\d\d|[45]\.\d{1,3}\.\d{1,3})\b|reject|refus|denied|block|black ?list|listed|unknown|fail|"
    r"not (?:be )?deliver|undeliver|could not|couldn't|unable|invalid|exceed|full|quota|"
    r"expired|timed? ?out|error|does not exist|no such", re.I)
COPY_MARKERS = re.compile(
    r"^-+ ?(?:This is a copy|Below this line|Original message|Returned mail|"
    r"Unsent message|Message header|Returned message)|original message follows|"
    r"headers? of (?:the )?original|^Content-Type: message/rfc822", re.I | re.M)


def readable_parts(msg):
    """The text parts a person reads, outside the attached original."""
    out = []
    def walk(part, depth):
        ctype = part.get_content_type()
        if ctype == "message/rfc822" or ctype.startswith("text/rfc822") or depth > 8:
            return
        if part.is_multipart():
            for p in part.get_payload():
                if isinstance(p, email.message.Message):
                    walk(p, depth + 1)
            return
        if ctype in ("text/plain", "text/html") or not part.get_content_type():
            try:
                data = part.get_payload(decode=True) or b""
            except Exception:  # noqa: BLE001 - a broken part is skipped
                return
            text = data.decode(part.get_content_charset() or "utf-8", "replace")
            if ctype == "text/html":
                text = re.sub(r"<[^>]*>", " ", text)
            out.append(text)
    walk(msg, 0)
    return out


def diagnostics(msg):
    """Diagnostic-Code values of the DSN part, one per recipient, in order."""
    out = []
    for part in msg.walk():
        if part.get_content_type() not in ("message/delivery-status",
                                           "message/global-delivery-status"):
            continue
        payload = part.get_payload()
        blocks = payload if isinstance(payload, list) else []
        if not blocks:
            text = part.get_payload(decode=True) or b""
            blocks = [email.message_from_bytes(b) for b in text.split(b"\n\n") if b.strip()]
        for b in blocks:
            d = b.get("Diagnostic-Code")
            if d is not None:
                d = " ".join(str(d).split())
                out.append(d.split(";", 1)[1].strip() if ";" in d[:12] else d)
    return out


def error_paragraphs(texts):
    """The paragraphs of `texts` (before any copy of the original) worded like an error."""
    paragraphs = []
    for text in texts:
        m = COPY_MARKERS.search(text)
        if m:
            text = text[: m.start()]
        for p in re.split(r"\n\s*\n", text):
            if ERROR_WORDS.search(p) and len(p.strip()) > 8:
                paragraphs.append(p.strip())
    return paragraphs


DIAGNOSTIC_LINE = re.compile(r"^Diagnostic-Code:[ \t]*(?:[\w-]+;)?[ \t]*(.*(?:\n[ \t]+.*)*)",
                             re.I | re.M)


def pasted_texts(raw):
    """What a person would paste from this bounce: one text per record."""
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    diags = [d for d in diagnostics(msg) if d]
    if diags:
        return diags
    parts = readable_parts(msg)
    if not any(p.strip() for p in parts):
        # Python's parser could not split the MIME parts (a broken boundary): what a person
        # sees is the raw body.
        body = raw.split(b"\n\n", 1)[-1].decode("utf-8", "replace")
        diags = [" ".join(d.split()) for d in DIAGNOSTIC_LINE.findall(body) if d.strip()]
        if diags:
            return diags
        parts = [body]
    paragraphs = error_paragraphs(parts)
    if not paragraphs:
        return [parts[0].strip()] if parts and parts[0].strip() else []
    return ["\n\n".join(paragraphs)]


def run_explain(binary, catalog, data):
    proc = subprocess.run([binary, "explain", "--catalog", catalog, "--format", "json", "-"],
                          input=data, capture_output=True, timeout=60, check=False)
    try:
        doc = json.loads(proc.stdout)
    except json.JSONDecodeError:
        return []
    found = []
    for f in doc.get("findings", []):
        provider = (f.get("provider") or {}).get("id")
        found.extend([(f["category"], provider, f.get("reply") or "")] * int(f.get("count", 1)))
    return found


def judge(records, findings):
    """Per record (in file order): (category, provider) of the matching finding or None."""
    out = []
    for i, _ in enumerate(records):
        out.append(findings[i] if i < len(findings) else
                   (findings[-1] if findings else None))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "src", "rblscope"))
    ap.add_argument("--catalog", default=os.path.join(ROOT, "lists.toml"))
    ap.add_argument("--corpus", default=os.path.join(ROOT, "..", "shared", "corpora", "bounces"))
    ap.add_argument("--misses", action="store_true", help="list every record that missed")
    ap.add_argument("--json", help="write the table as JSON to this file")
    args = ap.parse_args()
    labels_file = os.path.join(args.corpus, "labels.jsonl")
    if not os.path.exists(labels_file):
        print(f"score_explain: no corpus at {args.corpus}: skipped")
        return 0
    by_file = collections.OrderedDict()
    with open(labels_file, encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            by_file.setdefault(rec["file"], []).append(rec)

    def score_file(item):
        name, records = item
        with open(os.path.join(args.corpus, name), "rb") as fh:
            raw = fh.read()
        whole = judge(records, run_explain(args.bin, args.catalog, raw))
        pasted_found = []
        texts = pasted_texts(raw)
        if len(texts) == 1 and len(records) > 1:
            # One text for several records (a transcript, a report paragraph): its findings
            # in order, as for the whole email.
            shared = judge(records, run_explain(args.bin, args.catalog, texts[0].encode()))
            return name, records, whole, [(f, texts[0]) for f in shared]
        for i, _ in enumerate(records):
            text = texts[i] if i < len(texts) else (texts[-1] if texts else "")
            got = run_explain(args.bin, args.catalog, text.encode()) if text else []
            pasted_found.append((got[0] if got else None, text))
        return name, records, whole, pasted_found

    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        results = list(pool.map(score_file, by_file.items()))

    table = collections.defaultdict(lambda: [0, 0, 0, 0, 0])  # n, whole ok, pasted ok, 0-finding pasted
    prov = [0, 0, 0]  # records with known provider, named (whole), named (pasted)
    misses = []
    for name, records, whole, pasted in results:
        for rec, w, (p, text) in zip(records, whole, pasted):
            group = REASON_GROUP.get(rec["reason"], "undetermined")
            row = table[group]
            row[0] += 1
            w_ok = w is not None and CATEGORY_GROUP.get(w[0]) == group
            p_ok = p is not None and CATEGORY_GROUP.get(p[0]) == group
            row[1] += w_ok
            row[2] += p_ok
            row[3] += p is None
            if rec.get("provider"):
                ids = PROVIDER_IDS.get(rec["provider"], set())
                prov[0] += 1
                prov[1] += w is not None and w[1] in ids
                prov[2] += p is not None and p[1] in ids
            if not (w_ok and p_ok):
                misses.append((rec["id"], rec["reason"], group,
                               w[0] if w else "-", p[0] if p else "-",
                               (p[2] if p else text)[:160].replace("\n", " ")))
    order = ["blocklist", "reputation", "rate-limit", "spam-content", "policy",
             "authentication", "ptr-rdns", "sender-rejected", "recipient", "size-quota",
             "transient-system", "not-a-rejection", "undetermined"]
    print(f"{'group':18} {'records':>7} {'whole email':>12} {'pasted text':>12} {'no finding':>11}")
    tot = [0, 0, 0, 0]
    rep = [0, 0, 0]
    for g in order:
        n, w, p, z = table[g][:4]
        if n == 0:
            continue
        print(f"{g:18} {n:7} {100 * w / n:11.0f}% {100 * p / n:11.0f}% {z:11}")
        tot = [tot[0] + n, tot[1] + w, tot[2] + p, tot[3] + z]
        if g in REPUTATION_GROUPS:
            rep = [rep[0] + n, rep[1] + w, rep[2] + p]
    print(f"{'reputation-related':18} {rep[0]:7} {100 * rep[1] / max(rep[0], 1):11.0f}% "
          f"{100 * rep[2] / max(rep[0], 1):11.0f}%")
    print(f"{'all':18} {tot[0]:7} {100 * tot[1] / tot[0]:11.0f}% {100 * tot[2] / tot[0]:11.0f}% "
          f"{tot[3]:11}")
    print(f"provider named: {prov[1]}/{prov[0]} ({100 * prov[1] / max(prov[0], 1):.0f}%) from whole "
          f"emails, {prov[2]}/{prov[0]} ({100 * prov[2] / max(prov[0], 1):.0f}%) from pasted text")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump({g: table[g][:4] for g in order} | {"provider": prov}, fh)
    if args.misses:
        for m in misses:
            print("MISS %-28s %-15s %-16s whole=%-18s pasted=%-18s %s" % m)
    return 0


if __name__ == "__main__":
    sys.exit(main())
