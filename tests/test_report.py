import json

from pipeline.cli import main
from pipeline.report import STAGE_NAMES, BuildReport, StageClock
from pipeline.runner import PipelineRunner
from pipeline.sink import DirectSink


def test_every_build_times_each_stage(built_site):
    _, report = built_site
    assert set(report.stages) == set(STAGE_NAMES)
    for name in ("discover", "parse", "render", "template", "media", "write"):
        assert report.stages[name].calls > 0, name
        assert report.stages[name].wall >= 0 and report.stages[name].cpu >= 0
    assert report.stages["render"].wall > 0
    assert 0 < sum(s.wall for s in report.stages.values()) <= report.elapsed * 1.01
    assert report.pages_rendered == report.pages_built and report.cache_hits == 0
    assert report.sources > report.pages_built and report.source_bytes > 0


def test_report_option_writes_the_build_report_as_json(corpus_dir, tmp_path, capsys):
    out, path = tmp_path / "s", tmp_path / "report.json"
    argv = ["build", str(corpus_dir), "--out", str(out), "--jobs", "2", "--report", str(path)]
    assert main(argv) == 0
    data = json.loads(path.read_text())
    assert data["ok"] is True and data["jobs"] == 2
    assert data["pages_built"] > 50 and data["pages_rendered"] == data["pages_built"]
    assert data["files_written"] == len([p for p in out.rglob("*") if p.is_file()])
    assert not (out / ".pipeline-cache").exists()  # the cache is not part of the site
    assert set(data["stages"]) == set(STAGE_NAMES) == set(data["shares"])
    assert {"wall", "cpu", "calls"} <= set(data["stages"]["render"])
    assert main([*argv, "--jobs", "1"]) == 0  # again: everything comes from the cache
    data = json.loads(path.read_text())
    assert data["cache_hits"] == data["pages_built"] and data["files_written"] == 0


def test_trace_option_writes_valid_trace_events_with_stage_spans(corpus_dir, tmp_path):
    path = tmp_path / "trace.json"
    argv = ["build", str(corpus_dir), "--out", str(tmp_path / "s"), "--trace", str(path)]
    assert main([*argv, "--jobs", "2"]) == 0
    trace = json.loads(path.read_text())
    events = trace["traceEvents"]
    spans = [e for e in events if e["ph"] == "X"]
    for event in spans:
        assert isinstance(event["name"], str)
        assert isinstance(event["ts"], float | int) and event["dur"] >= 0
        assert isinstance(event["pid"], int) and isinstance(event["tid"], int)
    names = {e["cat"] for e in spans}
    assert {"discover", "parse", "render", "template", "write", "media", "build"} <= names
    renders = [e for e in spans if e["cat"] == "render"]
    assert len({e["tid"] for e in renders}) == 2  # one track per worker
    assert all(e["args"]["page"].endswith(".md") for e in renders)
    assert any(e["ph"] == "M" and e["name"] == "thread_name" for e in events)


def test_no_trace_records_no_spans():
    clock = StageClock(BuildReport())
    with clock.stage("parse", "x.md"):
        pass
    assert clock.events is None and clock.report.stages["parse"].calls == 1


def test_runner_trace_option(tmp_path, corpus_dir):
    path = tmp_path / "t.json"
    report = PipelineRunner(corpus_dir, DirectSink(tmp_path / "s"), trace=path).run()
    assert report.ok
    assert any(e.get("cat") == "render" for e in json.loads(path.read_text())["traceEvents"])
