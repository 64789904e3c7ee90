"""xQG: cross-lingual dense retrieval with query-generation augmentation, and its robustness.

The package holds all logic of the Snakemake workflow; each module is usable without Snakemake.
"""

__version__ = "0.1.0"
