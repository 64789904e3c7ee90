"""Rule attack_queries: every configured attack x budget for one language's dev questions."""

import dataclasses

import pandas as pd

from xqg.attacks import ATTACKS, attack_query_set, build_attacks, attack_set_summary, validity_sample, write_attacked_queries
from xqg.attacks import write_validity_sheet
from xqg.files import atomic_path
from xqg.formats import read_questions
from xqg.query_sets import QuerySet
from xqg.rule_logging import rule_log

with rule_log(snakemake.log[0]) as log:
    params = snakemake.params  # attacks.names (checked against ATTACKS at start), budgets, samples, seed, resources
    lang = snakemake.wildcards.lang
    lexicon = snakemake.input.neighbour_lexicon  # rule neighbour_lexicon's, when neighbour_synonym is configured
    attacks = build_attacks(dictionaries=params.resources.get("code_switch"), thesauri=params.resources.get("synonym"),
                            neighbour_lexicons={lang: lexicon} if lexicon else None)
    questions = read_questions(snakemake.input.questions, languages=[lang])
    summaries, audit = [], []
    for attack in params.names:
        if attack not in ATTACKS:
            raise ValueError(f"config attacks.names: unknown attack {attack!r}; available: {sorted(ATTACKS)}")
        for budget in params.budgets:
            records = attack_query_set(questions, attacks[attack], budget, params.samples, params.seed)
            write_attacked_queries(snakemake.output[QuerySet(attack, budget).name], records)
            for summary in attack_set_summary(records).values():
                summaries.append({"attack": attack, "budget": budget, "seed": params.seed, **dataclasses.asdict(summary)})
            audit += validity_sample(records, per_language=params.validity_per_language, seed=params.seed)
            log.info("%s budget %d: %d of %d samples changed; the validity gate rejected %d draws", attack, budget,
                     sum(r.changed for r in records), len(records), sum(r.rejected for r in records))
    with atomic_path(snakemake.output.summary) as tmp:
        pd.DataFrame(summaries).to_csv(tmp, index=False)
    write_validity_sheet(snakemake.output.validity, audit)
