"""The config checked against the workflow's schema, with an error short enough to read: the files read, the first
offending key and what the schema expects there (jsonschema's own message runs to hundreds of lines: the whole
schema and the whole config). Torch-free: the Snakefile calls it at parse time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

#: how layering works, said in every error about a missing key (the usual cause: an override given alone)
LAYERING = ("A config file given on the command line replaces config.yaml. To change a few keys, name the base "
            "first: --configfile config.yaml my.yaml (later files win; docs/configuration.md).")


class ConfigError(ValueError):
    """A config the schema refuses; the message is the short report (at most about 10 lines)."""


def load_schema(path: str | Path) -> dict:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _key_path(error) -> str:
    """`testsets.ic15.protocol` of a jsonschema error ([0] for list items); `(top level)` at the root."""
    parts = [f"[{p}]" if isinstance(p, int) else ("." if i else "") + str(p)
             for i, p in enumerate(error.absolute_path)]
    return "".join(parts) or "(top level)"


def _expected(schema: Mapping) -> str:
    """One line summarising a schema fragment: its type, enum, bounds, or the keys it allows."""
    bits = []
    for key in ("type", "enum", "const", "minimum", "maximum", "exclusiveMinimum", "pattern", "minItems"):
        if key in schema:
            bits.append(f"{key} {schema[key]}")
    if "$ref" in schema:
        bits.append(f"see {schema['$ref'].removeprefix('#/')} in the schema")
    if "properties" in schema and "type" in schema and "object" in str(schema["type"]):
        keys = list(schema["properties"])
        bits.append("keys " + ", ".join(keys[:12]) + (", ..." if len(keys) > 12 else ""))
    if "description" in schema:
        bits.append(f"({' '.join(str(schema['description']).split())[:160]})")
    return "; ".join(bits) or "see the schema"


def first_error(config: Mapping[str, Any], schema: Mapping) -> Any | None:
    """The jsonschema error to report: the one nearest the top of the config (a missing top-level key before a bad
    value deep inside), ties broken by path order; None if the config is valid."""
    from jsonschema import Draft202012Validator

    errors = list(Draft202012Validator(schema).iter_errors(dict(config)))
    if not errors:
        return None
    return min(errors, key=lambda e: (len(e.absolute_path), [str(p) for p in e.absolute_path]))


def describe(error, files: Sequence[str], schema_path: str | Path) -> str:
    """The short report of one schema error (see the module docstring)."""
    read = ", ".join(str(f) for f in files) if files else "none (config.yaml not read)"
    lines = [f"config: invalid (schema {Path(schema_path).name}; config files read: {read})",
             f"  at {_key_path(error)}: {error.message[:300]}",
             f"  expected: {_expected(error.schema)}"]
    if error.validator == "required":
        lines.append("  " + LAYERING)
    return "\n".join(lines)


def check_config(config: Mapping[str, Any], schema_path: str | Path, files: Sequence[str]) -> None:
    """Raise ConfigError with the short report when `config` does not match the schema at `schema_path`; `files`:
    the config files read, in order (named in the report)."""
    error = first_error(config, load_schema(schema_path))
    if error is not None:
        raise ConfigError(describe(error, files, schema_path))
