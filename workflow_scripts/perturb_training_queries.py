"""Rule perturb_training_queries: perturbation-augmented fine-tuning (a defence), the regime's training
queries with a share of them attacked, as {query id: text} for rule train_retriever."""

import json

from xqg.attacks import ATTACKS
from xqg.attacks.augmentation import defence_attacks, perturb_queries
from xqg.files import atomic_open
from xqg.formats import read_qrels
from xqg.retriever.tevatron_data import iter_tevatron
from xqg.retriever.training_data import read_training_queries
from xqg.rule_logging import rule_log

with rule_log(snakemake.log[0]) as log:
    perturb = snakemake.params.perturb  # xqg.settings.sections.PerturbationSettings
    if snakemake.params.data == "tevatron":  # the records' ids and queries, as train_retriever reads them
        source = snakemake.input.training
        queries = [(record.query_id, record.query) for record in iter_tevatron(source)]
    else:
        source = snakemake.input.questions
        queries = [(q.id, q.text) for q in read_training_queries(source, read_qrels(snakemake.input.qrels))]
    perturbed, counts = perturb_queries(queries, defence_attacks(perturb.attacks, ATTACKS), rate=perturb.rate,
                                        seed=perturb.seed)
    with atomic_open(snakemake.output[0]) as handle:
        json.dump(dict(perturbed), handle, ensure_ascii=False, indent=0)
    log.info("perturbed training queries of %s (rate %g, seed %d): per attack that changed them %s", source,
             perturb.rate, perturb.seed, counts)
