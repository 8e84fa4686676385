#!/usr/bin/env python3
"""Prints the SPF project's RFC 7208 conformance suite (shipped by Debian's python3-spf) as
JSON, for the C++ tests: [{"description", "zonedata", "tests"}, ...].
    rfc7208_to_json.py [PATH]   (default /usr/share/doc/python3-spf/rfc7208-tests.yml.gz)
"""
import gzip
import json
import sys

import yaml

path = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/doc/python3-spf/rfc7208-tests.yml.gz"
opener = gzip.open if path.endswith(".gz") else open
with opener(path, "rt", encoding="utf-8") as f:
    scenarios = [s for s in yaml.safe_load_all(f) if s]
json.dump(scenarios, sys.stdout)
