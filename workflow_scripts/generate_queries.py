"""Rule generate_queries: n sampled queries per passage and target language for one passage shard."""

from xqg.encoding import shard_range
from xqg.formats import read_passages, write_generated_queries
from xqg.generation import generate_to_file, import_released_queries, template_generate
from xqg.rule_logging import rule_log

with rule_log(snakemake.log[0]) as log:
    generator = snakemake.params.generator
    settings = snakemake.params.generation
    languages = snakemake.params.languages
    passages = read_passages(snakemake.input.corpus)
    shard = [passages[i] for i in shard_range(len(passages), int(snakemake.wildcards.shard), snakemake.params.num_shards)]
    n = settings["samples_per_language"]
    out = snakemake.output[0]
    if generator["type"] == "template":
        write_generated_queries(out, template_generate(shard, languages, n_samples=n, seed=settings["seed"]))
    elif generator["type"] == "released":
        wanted = {p.id for p in shard}
        write_generated_queries(out, import_released_queries(generator["paths"], languages, n, passage_ids=wanted))
    else:
        model = snakemake.input.model[0] if generator["type"] == "trained" else generator["model"]
        generate_to_file(
            model,
            shard,
            languages,
            out,
            n_samples=n,
            top_k=settings["top_k"],
            max_new_tokens=settings["max_new_tokens"],
            max_input_length=settings["max_input_length"],
            batch_size=settings["batch_size"],
            seed=settings["seed"],
            prompt_style=generator.get("prompt_style"),
            threads=snakemake.threads,
        )
    log.info("generated %d queries per language for %d passages in %s", n, len(shard), ", ".join(languages))
