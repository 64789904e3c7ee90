"""Rule validated_config: the study's configuration as validated, defaults filled in, keys sorted (YAML)."""

import yaml

from xqg.files import atomic_open
from xqg.rule_logging import rule_log

HEADER = ("# The configuration this study ran with, as validated against schemas/config.schema.yaml with its\n"
          "# defaults filled in (written by rule validated_config; keys sorted).\n")

with rule_log(snakemake.log[0]) as log:
    config = snakemake.params.config
    with atomic_open(snakemake.output[0]) as handle:
        handle.write(HEADER)
        yaml.safe_dump(config, handle, sort_keys=True, allow_unicode=True, default_flow_style=False, width=120)
    log.info("%s: %d top-level keys", snakemake.output[0], len(config))
