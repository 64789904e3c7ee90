"""Query generation for xQG: generator training (mT5, or a trimmed bert2bert offline), top-k sampling,
a template baseline, import of the released queries, and a quality report."""

from xqg.generation.quality import generation_quality_report, quality_samples
from xqg.generation.released import import_released_queries
from xqg.generation.sampling import generate_queries, generate_to_file
from xqg.generation.templates import template_generate
from xqg.generation.generator_training import GeneratorPair, GeneratorTrainingConfig, train_query_generator

__all__ = [
    "GeneratorPair", "GeneratorTrainingConfig", "train_query_generator", "generate_queries", "generate_to_file",
    "template_generate", "import_released_queries", "generation_quality_report", "quality_samples",
]
