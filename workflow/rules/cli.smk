"""How two commands read to a person (helpers only; included by the Snakefile after figures_common.smk).

`snakemake -n` ends at the table of job counts per rule. A dry run of the paper study would list ~2,000 jobs
(~20,000 lines). The full listing is one flag away: `snakemake -np` (or any explicit --quiet choice). Only
Snakemake's own command line is shortened (not the Python API), with the quietness `snakemake -n --quiet` sets.

`snakemake --report` reports the tables and figures made so far (after `snakemake results/detection_table.csv`,
say) instead of failing on the first absent one, and prints the command that makes the rest.
"""

import sys
from pathlib import Path

from snakemake.settings.enums import Quietness


def _cli_args():
    """Snakemake's command-line arguments, or None when Snakemake runs from Python (its API, a test's hook)."""
    return sys.argv[1:] if Path(sys.argv[0]).name in ("snakemake", "__main__.py") else None


def short_dry_run():
    """True for `snakemake -n` without -p and without --quiet: print the job counts only."""
    args = _cli_args() or []
    dry = any(a in ("--dry-run", "--dryrun") or (a[:1] == "-" and a[1:2] != "-" and "n" in a) for a in args)
    settings = workflow.output_settings
    return dry and settings.quiet is None and not settings.printshellcmds


def all_targets():
    """Every table and figure; for `snakemake --report`, those made so far (the command making the rest on
    stderr)."""
    targets = [*table_targets(), *paper_targets()]
    if not any(a == "--report" or a.startswith("--report=") for a in _cli_args() or []):
        return targets
    done = [t for t in targets if Path(t).exists()]
    if len(done) < len(targets):
        configs = "".join(f" --configfile={c}" for c in getattr(workflow, "overwrite_configfiles", None) or [])
        print(
            f"textsr: the report shows the {len(done)} of {len(targets)} tables and figures made so far; "
            f"`snakemake --cores all{configs}` makes the rest (then --report again)",
            file=sys.stderr,
        )
    return done


if short_dry_run():
    workflow.output_settings.quiet = {Quietness.RULES, Quietness.PROGRESS}


def _memoize_script_uris():
    """Planning speed (bench/plan.py): Snakemake 9.27 checks every job's script through its source cache, which
    parses the script's path as a URI (smart_open) once per job: ~1.3 s of a ~2,000-job dry run for ~35 distinct
    paths. `parse_uri` is a pure function of its string; memoizing it changes nothing else. Left alone when a
    Snakemake release renames it."""
    import functools

    import snakemake.sourcecache as sourcecache

    parse = getattr(sourcecache, "parse_uri", None)
    if callable(parse) and not hasattr(parse, "cache_info"):
        sourcecache.parse_uri = functools.lru_cache(maxsize=1024)(parse)


_memoize_script_uris()
