"""Rule attack_queries: every configured attack x budget for one language's dev questions."""

import dataclasses

import pandas as pd

from xqg.attacks import ATTACKS, attack_query_set, attack_set_summary, validity_sample
from xqg.files import atomic_path
from xqg.formats import read_questions
from xqg.query_sets import write_attacked_queries
from xqg.rule_logging import rule_log

with rule_log(snakemake.log[0]) as log:
    settings = snakemake.params.attacks
    lang = snakemake.wildcards.lang
    questions = read_questions(snakemake.input.questions, languages=[lang])
    summaries, audit = [], []
    for attack in settings["names"]:
        if attack not in ATTACKS:
            raise ValueError(f"config attacks.names: unknown attack {attack!r}; available: {sorted(ATTACKS)}")
        for budget in settings["budgets"]:
            records = attack_query_set(questions, attack, budget, settings["samples"], settings["seed"])
            rows = [{"attack": attack, "budget": budget, **dataclasses.asdict(r)} for r in records]
            write_attacked_queries(snakemake.output[f"{attack}~{budget}"], rows)
            summary = attack_set_summary(records)
            summary.insert(0, "attack", attack)
            summary.insert(1, "budget", budget)
            summaries.append(summary)
            sample = pd.DataFrame(validity_sample(records, per_language=settings.get("validity_sample_per_language", 50), seed=settings["seed"]))
            sample.insert(0, "attack", attack)
            sample.insert(1, "budget", budget)
            audit.append(sample)
            changed = sum(r.changed for r in records)
            log.info("%s budget %d: %d of %d samples changed", attack, budget, changed, len(records))
    for frames, path in ((summaries, snakemake.output.summary), (audit, snakemake.output.validity)):
        with atomic_path(path) as tmp:
            pd.concat(frames, ignore_index=True).to_csv(tmp, index=False)
