"""Rule search_recall: recall of one system's approximate runs against exact search, on sampled clean queries."""

from tqdm.auto import tqdm

from xqg.files import atomic_path
from xqg.rule_logging import rule_log
from xqg.search import SearchConfig
from xqg.search_recall import SYSTEM_COLUMNS, measure_recall
from xqg.vectors import read_vectors

with rule_log(snakemake.log[0]) as log:
    config = SearchConfig(**snakemake.params.search._asdict())  # xqg.settings.sections.SearchSettings
    settings = snakemake.params.recall  # xqg.settings.sections.SearchRecallSettings
    languages = snakemake.params.languages
    queries = {lang: read_vectors(path, mmap=False) for lang, path in zip(languages, snakemake.input.queries, strict=True)}
    runs = dict(zip(languages, snakemake.input.runs, strict=True))
    shard_files = tqdm(snakemake.input.shards, desc="exact search, shard by shard", unit="shard")
    shards = (read_vectors(path) for path in shard_files)  # one shard in memory at a time
    table = measure_recall(queries, runs, shards, config, cutoffs=settings.cutoffs,
                           sample_size=settings.queries_per_language, seed=settings.seed)
    for position, column in enumerate(SYSTEM_COLUMNS):
        table.insert(position, column, snakemake.wildcards[column])
    with atomic_path(snakemake.output[0]) as tmp:
        table.to_csv(tmp, index=False)
    log.info("%s: recall against exact search over %d shards\n%s", config.describe(), len(snakemake.input.shards), table.to_string(index=False))
