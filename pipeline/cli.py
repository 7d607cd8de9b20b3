"""The `newinfra` command: one registry of every part's subcommands.

Each module in ``COMMAND_MODULES`` exposes ``register(subparsers)``; it adds its subparser(s) and
sets ``func`` (``func(args, settings) -> int``). Heavy imports stay inside those functions, so
``newinfra --help`` is quick. A user's mistake (``NewinfraError``) prints in Chinese and English and
exits non-zero; it never prints a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import demo.cli
import exports.cli
import ingestion.projects.cli
import ingestion.public_stats.cli
import ingestion.submissions.cli
import newinfra.extract
import newinfra.home_cli
import newinfra.transform_cli
import pipeline.cycle
import pipeline.replay
import portal.cli
import quality.cli
from newinfra.errors import NewinfraError
from newinfra.settings import Settings

# In the order `newinfra --help` lists them.
COMMAND_MODULES = (
    newinfra.home_cli,
    ingestion.submissions.cli,
    ingestion.projects.cli,
    ingestion.public_stats.cli,
    quality.cli,
    exports.cli,
    newinfra.transform_cli,
    demo.cli,
    pipeline.cycle,
    pipeline.replay,
    newinfra.extract,
    portal.cli,
)
# After these commands publish the analysts' copy, the indicator portal is rebuilt from it
# (docs/portal.md); `newinfra build --no-publish` publishes nothing, so nothing is rebuilt.
REBUILDS_PORTAL = ("build", "publish")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newinfra",
        description="贵州省新型基础设施建设三年行动方案 数据平台 / Guizhou new-infrastructure plan tracker",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from pipeline import guard

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):
            parser.print_help()
            return 2
        settings = Settings.from_env()
        guard.check_secrets(args.command, settings)
        code = int(args.func(args, settings) or 0)
        if code == 0 and args.command in REBUILDS_PORTAL and not getattr(args, "no_publish", False):
            code = portal.cli.rebuild_after_publish(settings, as_json=getattr(args, "json", False))
        sys.stdout.flush()
        return code
    except NewinfraError as exc:
        print(f"错误：{exc.message_zh}\nError: {exc.message_en}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:  # the reader went away (`newinfra ingest | head -1`): docs/operations.md
        guard.quiet_stdout()
        return guard.EXIT_SIGPIPE
    except KeyboardInterrupt:
        guard.say_interrupted()
        return guard.EXIT_SIGINT


if __name__ == "__main__":
    sys.exit(main())
