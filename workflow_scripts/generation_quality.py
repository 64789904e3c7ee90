"""Rule generation_quality: per-language quality of a generator's queries, with samples."""

import itertools

from xqg.file_errors import naming_files
from xqg.files import atomic_open, atomic_path
from xqg.formats import iter_generated_queries, read_generator_pairs, read_passages
from xqg.generation import generation_quality_report, quality_samples
from xqg.rule_logging import rule_log

with rule_log(snakemake.log[0]) as log:
    passages = {p.id: p for p in read_passages(snakemake.input.corpus)}
    references = [tuple(r) for r in read_generator_pairs(snakemake.input.references)]

    def generated():
        return itertools.chain.from_iterable(iter_generated_queries(path) for path in snakemake.input.generated)

    with naming_files(*snakemake.input.generated, snakemake.input.corpus):  # e.g. a passage not in the corpus
        report = generation_quality_report(generated(), passages, references)
    with atomic_path(snakemake.output.csv) as tmp:
        report.to_csv(tmp, index=False)
    generator = snakemake.wildcards.generator
    with atomic_open(snakemake.output.md) as handle:
        handle.write(f"# Generated-query quality: {generator}\n\n")
        handle.write(report.to_markdown(index=False, floatfmt=".3f") + "\n\n")
        handle.write("## Samples\n\n" + quality_samples(generated(), passages) + "\n")
    log.info("quality of %s:\n%s", generator, report.to_string())
