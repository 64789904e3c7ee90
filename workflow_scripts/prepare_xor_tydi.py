"""Rule prepare_xor_tydi: the released XOR-TyDi files (and NQ) into the workflow's data layout."""

import json

from xqg.rule_logging import rule_log
from xqg.xor_tydi.xor_layout import XorTydiInputs, XorTydiOutputs
from xqg.xor_tydi.xor_prepare import prepare_xor_tydi

with rule_log(snakemake.log[0]) as log:
    counts = prepare_xor_tydi(
        XorTydiInputs.from_mapping(snakemake.input),
        XorTydiOutputs.from_mapping(snakemake.output),
        subcorpus=snakemake.params.subcorpus._asdict(),
        checksums=snakemake.params.checksums,
    )
    log.info("counts: %s", json.dumps(counts, indent=1))
