"""Rule generation_quality: per-language quality of a generator's queries, with samples."""

import itertools

from xqg.file_errors import naming_files
from xqg.files import atomic_open, atomic_path
from xqg.formats import iter_generated_queries, iter_passages, read_generator_pairs
from xqg.generation import generation_quality_report, quality_samples
from xqg.rule_logging import rule_log

with rule_log(snakemake.log[0]) as log:
    # streamed: titles of the corpus, running counts over the generated queries (630M at full scale)
    titles = {p.id: p.title for p in iter_passages(snakemake.input.corpus)}
    references = [tuple(r) for r in read_generator_pairs(snakemake.input.references)]

    def generated():
        return itertools.chain.from_iterable(iter_generated_queries(path) for path in snakemake.input.generated)

    with naming_files(*snakemake.input.generated, snakemake.input.corpus):  # e.g. a passage not in the corpus
        report = generation_quality_report(generated(), titles, references)
    with atomic_path(snakemake.output.csv) as tmp:
        report.to_csv(tmp, index=False)
    generator = snakemake.wildcards.generator
    with atomic_open(snakemake.output.md) as handle:
        handle.write(f"# Generated-query quality: {generator}\n\n")
        handle.write(report.to_markdown(index=False, floatfmt=".3f") + "\n\n")
        handle.write("## Samples\n\n" + quality_samples(
            generated, lambda ids: {p.id: p for p in iter_passages(snakemake.input.corpus) if p.id in ids},
            counts={lang: int(n) for lang, n in zip(report["lang"], report["passages"])}) + "\n")
    log.info("quality of %s:\n%s", generator, report.to_string())
