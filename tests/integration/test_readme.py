"""README.md documents every configuration key exactly as the code defines it."""
import os
import re

from conftest import ROOT, cli


def readme_config_table():
    text = open(os.path.join(ROOT, "README.md")).read()
    m = re.search(r"<!-- config-doc:begin[^>]*-->\n(.*?)<!-- config-doc:end -->", text, re.S)
    assert m, "README.md lacks the config-doc markers"
    return m.group(1).strip()


def test_readme_config_reference_matches_xhsync_config_doc():
    doc = cli("config", "doc", config=None)
    assert doc.returncode == 0, doc.stderr
    assert readme_config_table() == doc.stdout.strip(), \
        "README.md is stale: regenerate the table with `xhsync config doc`"


def test_every_config_key_has_an_env_override_documented():
    rows = [l for l in readme_config_table().splitlines() if l.startswith("| ") and "`XHSYNC_" in l]
    assert len(rows) >= 30
    for row in rows:
        section, key, env = [c.strip(" `") for c in row.split("|")[1:4]]
        assert env == "XHSYNC_%s_%s" % (section.upper(), key.upper())
