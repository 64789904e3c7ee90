"""Rule perturb_generated_queries: noisy xQG (a defence), one shard of a source generator's queries with a
share of them attacked (xqg.generation.noisy)."""

from collections import Counter

from xqg.attacks import ATTACKS
from xqg.attacks.augmentation import defence_attacks
from xqg.formats import write_generated_queries
from xqg.generation.noisy import noisy_queries
from xqg.rule_logging import rule_log

with rule_log(snakemake.log[0]) as log:
    perturb = snakemake.params.perturb  # xqg.settings.sections.PerturbationSettings
    source = snakemake.input.source[0]
    counts = Counter()
    write_generated_queries(snakemake.output[0], noisy_queries(source, defence_attacks(perturb.attacks, ATTACKS),
                                                               rate=perturb.rate, seed=perturb.seed, counts=counts))
    log.info("noisy xQG from %s (rate %g, seed %d): queries per attack that changed them %s", source, perturb.rate,
             perturb.seed, dict(sorted(counts.items())))
