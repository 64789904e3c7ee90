# xQG benchmarking workflow: cross-lingual dense retrieval with query-generation augmentation, and its
# robustness to paraphrase attacks. See README.md. Logic lives in src/xqg/; rules in rules/.

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
