# xQG benchmarking workflow: cross-lingual dense retrieval with query-generation augmentation, and its
# robustness to paraphrase attacks. See README.md. Logic lives in src/xqg/; rules in rules/.

from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.utils import min_version

min_version("9.0")


# The embedded default, unless a complete config is given (--configfile config/xor_tydi.yaml):
# Snakemake would otherwise merge the two, mixing the default's backbones into the full study.
if "dataset" not in config:

    configfile: "config.yaml"


report: "report/workflow.rst"


include: "rules/common.smk"
include: "rules/data.smk"
include: "rules/backbone.smk"
include: "rules/qgen.smk"
include: "rules/encode.smk"
include: "rules/augment.smk"
include: "rules/attack.smk"
include: "rules/adversarial.smk"
include: "rules/retrieve.smk"
include: "rules/evaluate.smk"
include: "rules/report.smk"


rule all:
    default_target: True
    input:
        final_outputs(),


# Every rule that runs a script is named after it and passes the derived key of its imports
# (rules/common.smk: code_of), so that editing any module it imports reruns it.
for _rule in workflow.rules:
    if _rule.script is None:
        continue
    if Path(_rule.script).stem != _rule.name:
        raise WorkflowError(f"rule {_rule.name} runs {_rule.script}: scripts are named after their rules")
    if _rule.params.get("code") != code_of(_rule.name):
        raise WorkflowError(f"rule {_rule.name} must pass params code=code_of({_rule.name!r})")
