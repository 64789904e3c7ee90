"""Rule back_translate_queries: the back-translation attack (every configured budget) for one language."""

import dataclasses

import pandas as pd
import torch

from xqg.attacks import attack_set_summary, validity_sample, write_attacked_queries, write_validity_sheet
from xqg.attacks.back_translation import ATTACK, BackTranslationSettings, back_translate
from xqg.files import atomic_path
from xqg.formats import read_questions
from xqg.query_sets import QuerySet
from xqg.rule_logging import rule_log

with rule_log(snakemake.log[0]) as log:
    torch.set_num_threads(snakemake.threads)
    settings = BackTranslationSettings.from_config(snakemake.params.settings._asdict())
    lang = snakemake.wildcards.lang
    questions = read_questions(snakemake.input.questions, languages=[lang])
    samples, seed = snakemake.params.samples, snakemake.params.seed
    log.info("%s: %d questions x %d samples x %d candidates, budgets %s, model %s, similarity %s",
             ATTACK, len(questions), samples, settings.candidates, list(settings.budgets), settings.model,
             settings.similarity_model)
    by_budget, verdicts = back_translate(questions, settings, samples, seed, progress=True)
    summaries, audit = [], []
    for budget, records in by_budget.items():
        write_attacked_queries(snakemake.output[QuerySet(ATTACK, budget).name], records)
        # the validity gate rejects candidates here, not draws: its rate is over candidates
        rejection_rate = verdicts[budget]["changes_answer"] / max(sum(verdicts[budget].values()), 1)
        for summary in attack_set_summary(records).values():
            summaries.append({"attack": ATTACK, "budget": budget, "seed": seed,
                              **dataclasses.asdict(summary), "rejection_rate": rejection_rate})
        audit += validity_sample(records, per_language=snakemake.params.validity_per_language, seed=seed)
        log.info("%s budget %d: %d of %d samples changed; candidate verdicts %s", ATTACK, budget,
                 sum(r.changed for r in records), len(records), dict(verdicts[budget]))
    with atomic_path(snakemake.output.summary) as tmp:
        pd.DataFrame(summaries).to_csv(tmp, index=False)
    write_validity_sheet(snakemake.output.validity, audit)
