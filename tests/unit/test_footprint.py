"""xqg.footprint: the planner's rows for the full study follow its grid and the stated rates."""

from __future__ import annotations

import yaml

from tests.helpers.paths import ROOT
from xqg.footprint import XOR_TYDI_PASSAGES, Throughput, footprint


def test_the_full_study_and_its_cheapest_path():
    config = yaml.safe_load((ROOT / "config" / "xor_tydi.yaml").read_text(encoding="utf-8"))
    rows = {item: (storage, hours) for item, storage, hours in footprint(config, XOR_TYDI_PASSAGES, Throughput())}
    assert rows["passage vectors (4 encoders)"] == ("111 GB", "8.0")  # 18M x 768 x 2 bytes x 4; 18M / 2500/s
    generated = XOR_TYDI_PASSAGES * 7 * 5  # 630M queries
    cheapest = (XOR_TYDI_PASSAGES / 2500 + generated / 15000) / 3600
    assert rows["cheapest path to Table 1's fine-tuned mBERT rows (released retriever and queries)"] == ("-", f"{cheapest:,.1f}")
    assert rows["generated queries, text"][1] == f"{XOR_TYDI_PASSAGES / 40 / 3600:,.1f}"
