"""Plan a run before starting it: storage and GPU time of the full study from its config.

    python -m xqg.footprint config/xor_tydi.yaml

Throughputs are assumptions per GPU (stated below, override with flags), not measurements: no GPU was
available where this was written. Sizes follow the workflow's layouts exactly (float16 vectors).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

import yaml

XOR_TYDI_PASSAGES = 18_003_200  # enwiki_20190201_w100.tsv (approximately 18M passages)
HIDDEN = {"bert-base-multilingual-cased": 768, "xlm-roberta-base": 768}


@dataclass(frozen=True)
class Throughput:
    """Per-GPU rates (A100-class, fp16) assumed for planning."""

    passages_per_s: float = 2500.0  # 128-token passages, base-size encoder
    queries_per_s: float = 15000.0  # ~20-token queries
    generated_passages_per_s: float = 40.0  # mT5-base, 35 sampled queries of <= 32 tokens each


def _gb(n_bytes: float) -> str:
    return f"{n_bytes / 1e9:,.0f} GB"


def footprint(config: dict, passages: int, rates: Throughput) -> list[tuple[str, str, str]]:
    """Rows (item, storage, GPU hours) for the configured grid."""
    backbones = config["backbones"]
    regimes = config["regimes"]
    xqg = config["xqg"]
    samples = config["generation"]["samples_per_language"]
    languages = 7 if xqg.get("fusion_languages", "all") == "all" else len(xqg["fusion_languages"])
    encoders = len(backbones) * len(regimes)
    dim = max(HIDDEN.get(b.get("model") or "", 768) for b in backbones.values())
    generators = len(config["generators"])
    sweep_points = len(set(xqg.get("k_sweep", [])) - {xqg["k"]}) + len(set(xqg.get("alpha_sweep", [])) - {xqg["alpha"]})
    fused_indexes = len(backbones) * (len(regimes) * generators + len(xqg.get("sweep_regimes", [])) * generators * sweep_points)
    vector = dim * 2  # float16
    generated = passages * languages * samples
    rows = [
        ("passage vectors (per encoder)", _gb(passages * vector), f"{passages / rates.passages_per_s / 3600:,.1f}"),
        (f"passage vectors ({encoders} encoders)", _gb(encoders * passages * vector), f"{encoders * passages / rates.passages_per_s / 3600:,.1f}"),
        ("generated queries, text", _gb(generations := generators * generated * 80), f"{generators * passages / rates.generated_passages_per_s / 3600:,.1f}"),
        (f"generated-query vectors ({encoders} encoders x {generators} generators)", _gb(encoders * generators * generated * vector),
         f"{encoders * generators * generated / rates.queries_per_s / 3600:,.1f}"),
        (f"fused indexes ({fused_indexes}; temp-able)", _gb(fused_indexes * passages * vector), "-"),
        ("exact search memory per shard job", _gb(passages / config["encoding"]["passage_shards"] * dim * 4), "-"),
    ]
    total = encoders * passages * vector + generations + encoders * generators * generated * vector + fused_indexes * passages * vector
    rows.append(("total", _gb(total), "-"))
    # Table 1's fine-tuned mBERT rows from the released retriever and the released queries: no training and
    # no generation; one encoder encodes the passages and every generated query (search of the dev
    # questions is minutes on a GPU and left out)
    cheapest = (passages / rates.passages_per_s + generated / rates.queries_per_s) / 3600
    rows.append(("cheapest path to Table 1's fine-tuned mBERT rows (released retriever and queries)", "-",
                 f"{cheapest:,.1f}"))
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config")
    parser.add_argument("--passages", type=int, default=XOR_TYDI_PASSAGES, help="collection size (default: XOR-TyDi's)")
    parser.add_argument("--passages-per-s", type=float, default=Throughput.passages_per_s)
    parser.add_argument("--queries-per-s", type=float, default=Throughput.queries_per_s)
    parser.add_argument("--generated-passages-per-s", type=float, default=Throughput.generated_passages_per_s)
    args = parser.parse_args(argv)
    with open(args.config, encoding="utf-8") as handle:
        config = yaml.safe_load(handle)
    rates = Throughput(args.passages_per_s, args.queries_per_s, args.generated_passages_per_s)
    rows = footprint(config, args.passages, rates)
    width = max(len(item) for item, _, _ in rows)
    print(f"{'item':<{width}} {'storage':>12} {'GPU hours':>10}")
    for item, storage, hours in rows:
        print(f"{item:<{width}} {storage:>12} {hours:>10}")
    print(f"(assumed per-GPU rates: {rates.passages_per_s:g} passages/s, {rates.queries_per_s:g} queries/s, "
          f"{rates.generated_passages_per_s:g} passages/s generated; override with flags)")


if __name__ == "__main__":
    main()
