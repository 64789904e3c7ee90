"""Rule encode_generated_queries: the generated queries of one passage shard, one vector set a language,
reduced to the per-k sums that fusion reads (xqg.generated_sums).

All languages in one call: the JSONL is read twice (a model-free index pass, then one encoding pass)
however many languages there are, and the model is loaded once.
"""

from xqg.encoder_spec import EncoderSpec
from xqg.generated_sums import sum_generated_query_files
from xqg.rule_logging import rule_log
from xqg.truncation import counting_truncation
from xqg.vector_encoding import encode_generated_queries_by_language

with rule_log(snakemake.log[0]) as log:
    settings = snakemake.params.encoding  # xqg.settings.sections.EncodingSettings
    spec = EncoderSpec(model=snakemake.params.model, **snakemake.params.spec)
    # outputs LANG (the .npy); ids~LANG, counts~LANG and layout~LANG are the files written beside it
    outputs = {lang: snakemake.output[lang] for lang in snakemake.output.keys() if "~" not in lang and "sums" not in lang}
    with counting_truncation() as truncated:
        passages, samples = encode_generated_queries_by_language(
            snakemake.input.generated,
            outputs,
            spec,
            num_samples=snakemake.params.samples,
            **settings.options(snakemake.threads),
        )
    log.info("%s: encoded generated queries of %d passages x %d samples", ", ".join(outputs), passages, samples)
    log.info("%s", truncated.describe(snakemake.input.generated, "generated queries"))
    sum_generated_query_files(outputs, snakemake.output.sums, snakemake.params.ks)
    log.info("summed the first k queries of %s per passage for k in %s", ", ".join(outputs), snakemake.params.ks)
