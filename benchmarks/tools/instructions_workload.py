"""One small fixed workload, run under callgrind by benchmarks.common.count_instructions.

Usage: instructions_workload.py WORKLOAD CONTENT_DIR [OUT_DIR]
Everything before ``os.getppid()`` (imports, data) is left out of the count.
"""

import os
import sys
from pathlib import Path

# Appended, not prepended: the repository root also holds the working tree's pipeline/,
# which must not shadow the pipeline under measurement (asv's environment, or the
# ASV_PYTHONPATH of a --python=same run, which reaches this process as PYTHONPATH).
sys.path.append(str(Path(__file__).resolve().parents[2]))

from benchmarks import common  # noqa: E402


def prepare(workload: str, content: str, out: str | None):
    if workload == "markdown_page":
        body, md = common.median_page(content), common.markdown_converter()

        def work():
            md.reset()
            md.convert(body)

        return work
    if workload == "template_page":
        return common.page_template_renderer(common.median_page(content))
    if workload == "page":
        body, md = common.median_page(content), common.markdown_converter()
        render = common.page_template_renderer(body)

        def work():
            md.reset()
            md.convert(body)
            render()

        return work
    if workload == "build":
        common.require("pipeline.runner", "PipelineRunner")
        runs = iter(("warm-up", "counted"))
        return lambda: common.build(content, os.path.join(out, next(runs)))
    raise SystemExit(f"unknown workload {workload!r}")


def main() -> None:
    workload, content, *out = sys.argv[1:]
    try:
        work = prepare(workload, content, out[0] if out else None)
    except NotImplementedError as exc:
        print(f"NotImplementedError: {exc}", flush=True)
        os._exit(0)
    work()  # warm-up: first calls compile regexes and fill caches; count the steady state
    os.getppid()  # callgrind --zero-before=getppid: counting starts here
    work()
    sys.stdout.flush()
    os._exit(0)  # skip interpreter shutdown, which would be counted too


if __name__ == "__main__":
    main()
