"""One small fixed workload, run under callgrind by benchmarks.common.count_instructions.

Usage: python -P -m benchmarks.workload WORKLOAD CONTENT_DIR [OUT_DIR]
Everything before ``os.getppid()`` (imports, data) is left out of the count.

The working tree's pipeline/ must never shadow the pipeline under measurement (asv's
environment, or the ASV_PYTHONPATH of a --python=same run, which reaches this process as
PYTHONPATH): the repository root that holds both benchmarks/ and the working tree's
pipeline/ is therefore only the LAST entry of PYTHONPATH (common.SUITE_ROOT, put there by
common._callgrind), and ``-P`` keeps Python from putting the current folder ahead of
everything.
"""

import os
import sys

from benchmarks import common


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
    if workload == "card":  # CONTENT_DIR is the card size here (issue #14)
        from benchmarks import bench_cards

        return bench_cards.card_work(content)
    if workload == "serialize":  # OUT_DIR is FORMAT:LIBRARY here (issue #15)
        from benchmarks import bench_serialize, serialize_data

        form, library = out.split(":")
        encode = serialize_data.encoder(library, form)
        value = bench_serialize.value(form, serialize_data.corpus_pages(content, 100))
        if form == "sidecar":
            return lambda: [encode(v) for v in value]
        return lambda: encode(value)
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
