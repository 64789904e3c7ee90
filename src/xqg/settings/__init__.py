"""Settings in one typed place: the configuration checked at start, every problem reported at once.

Entry point: ``load_settings(config, config_files, workdir) -> Settings``, called by rules/common.smk
before the DAG is built. It fills in the defaults of schemas/config.schema.yaml, checks the schema, the
keys that depend on each other, ``trust_remote_code``, and the paths (under the working directory,
existing where local), and raises :class:`ConfigError` with one line per problem:
``CONFIGFILE: key.path: message``. On success it returns :class:`Settings`, one immutable record per
config section (xqg.settings.sections), which rules pass to scripts through ``params:``.
"""

from xqg.settings import sections
from xqg.settings.loader import config_problems, load_settings
from xqg.settings.problems import ConfigError, LocatedProblem, Problem
from xqg.settings.sections import *  # noqa: F403 (the records: Settings, SearchSettings, ...)

__all__ = ["ConfigError", "LocatedProblem", "Problem", "config_problems", "load_settings", *sections.__all__]
