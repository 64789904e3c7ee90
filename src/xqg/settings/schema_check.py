"""JSON-schema validation that fills in the schema's defaults and reports every error, one line each.

The validator is jsonschema's Draft 2020-12 validator, extended (as in jsonschema's FAQ) so that the
``properties`` keyword first sets each absent property that has a ``default`` (a deep copy: defaults
are never shared between config objects). All errors are collected with ``iter_errors`` and turned into
short :class:`Problem` lines: the key path and what is wrong with it, never a dump of the schema or of
a whole config section.
"""

from __future__ import annotations

import copy
import difflib
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError, best_match

from xqg.settings.problems import KeyPath, Problem

SCHEMA_PATH = Path(__file__).resolve().parents[3] / "schemas" / "config.schema.yaml"
MAX_VALUE_CHARS = 60
JSON_TYPES = {dict: "object", list: "array", str: "string", bool: "boolean", int: "integer", float: "number",
              type(None): "null"}


def load_schema(path: str | Path = SCHEMA_PATH) -> dict:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _with_defaults(validator_class):
    validate_properties = validator_class.VALIDATORS["properties"]

    def properties(validator, properties, instance, schema):
        if isinstance(instance, dict):
            for name, subschema in properties.items():
                if isinstance(subschema, Mapping) and "default" in subschema and name not in instance:
                    instance[name] = copy.deepcopy(subschema["default"])
        yield from validate_properties(validator, properties, instance, schema)

    return validators.extend(validator_class, {"properties": properties})


DefaultFillingValidator = _with_defaults(Draft202012Validator)


def fill_defaults_and_validate(config: dict, schema: Mapping) -> list[Problem]:
    """Set every absent key that has a schema default (in place) and return every schema error.

    Defaults are filled on a first pass and errors collected on a second: a default set by a conditional
    (``if``/``then``) is then validated like any configured value, whatever the order of the keywords."""
    Draft202012Validator.check_schema(schema)
    validator = DefaultFillingValidator(schema)
    for _ in validator.iter_errors(config):
        pass
    problems: list[Problem] = []
    for error in validator.iter_errors(config):
        problems += error_problems(error, config)
    # one line a key: an unknown key also fails a conditional's list of keys (generators by type)
    unknown = {p.key for p in problems if p.message.startswith("unknown key")}
    problems = [p for p in problems if p.key not in unknown or p.message.startswith("unknown key")]
    return sorted(set(problems), key=lambda p: (tuple(map(str, p.key)), p.message))


# ---- one error -> short lines ---------------------------------------------------------------------


def short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 3] + "..."


def json_type(value: Any) -> str:
    return JSON_TYPES.get(type(value), type(value).__name__)


def _names(values) -> str:
    return ", ".join("null" if v is None else str(v) for v in values)


def _unknown_key(key: str, allowed: list[str]) -> str:
    message = f"unknown key (allowed: {_names(allowed)})"
    close = difflib.get_close_matches(key, allowed, n=1)
    return message + (f"; did you mean {close[0]}?" if close else "")


def _lookup(config: Any, key: KeyPath) -> Any:
    for part in key:
        try:
            config = config[part]
        except (KeyError, IndexError, TypeError):
            return None
    return config


def error_problems(error: ValidationError, config: Mapping) -> list[Problem]:
    key: KeyPath = tuple(error.absolute_path)
    kind = error.validator
    if kind in ("anyOf", "oneOf") and error.context:
        return _alternatives_problems(error, key, config)
    if "propertyNames" in error.relative_schema_path:
        return [_property_name_problem(error, key, config)]
    if kind == "additionalProperties" and error.validator_value is False:
        allowed = sorted(error.schema.get("properties", {}))
        patterns = list(error.schema.get("patternProperties", {}))
        extras = [k for k in error.instance if k not in allowed and not any(re.search(p, k) for p in patterns)]
        return [Problem((*key, extra), _unknown_key(str(extra), allowed)) for extra in extras]
    if kind == "required":
        match = re.match(r"^'(.+)' is a required property$", error.message)
        if match:
            return [Problem((*key, match.group(1)), "missing (required)")]
        return [Problem(key, error.message)]
    if kind == "type":
        expected = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        message = f"expected {' or '.join(expected)}, got {json_type(error.instance)} {short(error.instance)}"
        description = error.schema.get("description")
        if description and len(description) < 100 and "then" in error.relative_schema_path:
            message += f" ({description})"
        return [Problem(key, message)]
    if kind == "enum":
        return [Problem(key, f"{short(error.instance)} is not one of: {_names(error.validator_value)}")]
    if kind == "const":
        return [Problem(key, f"{short(error.instance)}: expected {short(error.validator_value)}")]
    if kind in ("minItems", "maxItems") and error.validator_value == error.schema.get("minItems") == error.schema.get("maxItems"):
        return [Problem(key, f"expected {error.validator_value} items, got {len(error.instance)}")]
    message = error.message
    if len(message) > 200:
        message = f"{json_type(error.instance)} value fails '{kind}': {short(error.validator_value)}"
    return [Problem(key, message)]


def _describe(schema: Mapping) -> str:
    if "const" in schema:
        value = schema["const"]
        if value is None or isinstance(value, bool):
            return {None: "null", True: "true", False: "false"}[value]
        return repr(value)
    if "enum" in schema:
        return " or ".join("null" if v is None else repr(v) for v in schema["enum"])
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1].replace("_", " ")
    types = schema.get("type", "a value")
    return " or ".join(types) if isinstance(types, list) else types


def _alternatives_problems(error: ValidationError, key: KeyPath, config: Mapping) -> list[Problem]:
    """anyOf/oneOf: the errors of the one alternative the value's type fits, else what was expected."""
    branches: dict[Any, list[ValidationError]] = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    fitting = [errors for errors in branches.values()
               if not all(e.validator in ("type", "const", "enum") and not e.relative_path for e in errors)]
    if len(fitting) == 1:
        return [problem for sub in fitting[0] for problem in error_problems(sub, config)]
    if fitting:
        return error_problems(best_match(sub for errors in fitting for sub in errors), config)
    expected = " or ".join(_describe(branch) for branch in error.validator_value)
    return [Problem(key, f"expected {expected}, got {json_type(error.instance)} {short(error.instance)}")]


def _property_name_problem(error: ValidationError, key: KeyPath, config: Mapping) -> Problem:
    name = error.instance
    where = (*key, name)
    if error.validator == "enum":
        parent = _lookup(config, key)
        kind = parent.get("type") if isinstance(parent, dict) and isinstance(parent.get("type"), str) else None
        scope = f"key of a {kind} {key[0][:-1] if key else 'object'}" if kind else "key here"
        return Problem(where, f"not a {scope} (allowed: {_names(error.validator_value)})")
    if error.validator == "not":
        return Problem(where, f"{name!r} is a reserved name")
    if error.validator == "pattern":
        return Problem(where, f"{short(name)} is not a valid name (letters, digits, '_', '.', '-'; a letter or digit first)")
    return Problem(where, error.message)


def iter_keys(config: Any, prefix: KeyPath = ()) -> Iterator[tuple[KeyPath, Any]]:
    """Every (key path, value) in a nested config, mappings and lists, depth first."""
    if isinstance(config, Mapping):
        for name, value in config.items():
            yield (*prefix, name), value
            yield from iter_keys(value, (*prefix, name))
    elif isinstance(config, list):
        for index, value in enumerate(config):
            yield from iter_keys(value, (*prefix, index))
