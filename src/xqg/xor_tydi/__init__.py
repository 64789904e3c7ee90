"""XOR-TyDi XOR-Retrieve at full scale: the released files into the workflow's internal data layout.

Inputs: https://nlp.cs.washington.edu/xorqa/XORQA_site/data/ (and DPR/Tevatron for NQ). The step,
:func:`xqg.xor_tydi.xor_prepare.prepare_xor_tydi`, reads the question files (``xor_questions``), the
gold-paragraph zip (``gold_paragraphs``) and the English training data (``nq_training``), locates the
reference paragraphs in the 100-word corpus (``gold_passages``), samples the sub-corpus (``subcorpus``) and
writes the rule's outputs (``xor_layout`` names its inputs and outputs).
"""
