"""Rule download_xor_tydi_file: fetch one XOR-TyDi/NQ file and verify its pinned SHA-256."""

from xqg.downloads import download
from xqg.rule_logging import rule_log

with rule_log(snakemake.log[0]) as log:
    entry = snakemake.params.entry  # xqg.settings.sections.XorTydiFileSettings of data.xor_tydi.files.NAME
    digest = download(entry.url, snakemake.output[0], entry.sha256, timeout=60, config_name=snakemake.params.name)
    log.info("%s ready (sha256 %s)", snakemake.output[0], digest)
