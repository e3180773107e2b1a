"""One side of an ABAB session: a benchmark set up once, timed one sample at a time.

Run by ``perftools/abab.py`` as ``python -P perftools/abab_worker.py ...`` with this side's
``pipeline`` first on PYTHONPATH and the suite's folder after it; standard library only,
because it runs beside any commit's code. Two modes:

- ``--discover REGEX...``: the suite's ``time_`` benchmarks whose names match (asv's rule:
  a parameterized one matches by ``name(param, ...)``), as one JSON line;
- ``--run NAME --combo JSON``: import the benchmark, ``setup_cache`` (in the current folder,
  as asv does), ``setup``, a warm-up; print ``{"ready": number}``; then for every
  ``sample`` line on standard input, time ``number`` calls and print ``{"time": seconds}``
  (per call); ``quit`` tears down. A benchmark that raises NotImplementedError in setup
  (the commit lacks the feature) prints ``{"skipped": reason}``.

Responses go to the original standard output; anything the benchmark prints goes to
standard error, so it cannot break the protocol.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import inspect
import itertools
import json
import os
import pkgutil
import re
import sys
import time
import traceback

SAMPLE_TIME = 0.01  # asv's default: a sample lasts at least 10 ms (number grows to fit)
MAX_WARMUP = 1.0


def benchmark_modules():
    import benchmarks

    for info in pkgutil.iter_modules(benchmarks.__path__):
        if info.name.startswith("bench_"):
            yield info.name, importlib.import_module(f"benchmarks.{info.name}")


def grid(cls) -> tuple[list[list[str]], list[str]]:
    """asv's params as lists of reprs, and their names."""
    params = getattr(cls, "params", [])
    if params and not isinstance(params[0], list | tuple):
        params = [params]
    names = list(getattr(cls, "param_names", [])) or [f"param{i + 1}" for i in range(len(params))]
    return [[repr(v) for v in p] for p in params], names


def discover(regexes: list[str]) -> list[dict]:
    found = []
    for module_name, module in benchmark_modules():
        for cls_name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__:
                continue
            # Inherited methods too, as asv finds them (inspect.getmembers).
            for method in sorted(m for m in dir(cls) if m.startswith("time_")):
                name = f"{module_name}.{cls_name}.{method}"
                params, names = grid(cls)
                combos = [list(c) for c in itertools.product(*params)]
                labels = [f"{name}({', '.join(c)})" if params else name for c in combos]
                chosen = [c for c, label in zip(combos, labels, strict=True)
                          if any(re.search(r, label) for r in regexes)]  # fmt: skip
                if chosen:
                    timeout = getattr(getattr(cls, method), "timeout", None)
                    found.append({"name": name, "params": params, "param_names": names,
                                  "combos": chosen, "timeout": timeout or getattr(
                                      cls, "timeout", 60)})  # fmt: skip
    return found


def attribute(cls, method, name, default):
    return getattr(getattr(cls, method), name, getattr(cls, name, default))


def prepare(name: str, combo: list[str]):
    """The benchmark object, its arguments and the function to time."""
    module_name, cls_name, method = name.split(".")
    cls = getattr(importlib.import_module(f"benchmarks.{module_name}"), cls_name)
    obj = cls()
    args = [ast.literal_eval(value) for value in combo]
    if hasattr(obj, "setup_cache"):
        args.insert(0, obj.setup_cache())
    if hasattr(obj, "setup"):
        obj.setup(*args)
    return cls, obj, args, getattr(obj, method), method


def serve(name: str, combo: list[str], reply) -> None:
    try:
        cls, obj, args, func, method = prepare(name, combo)
    except NotImplementedError as exc:
        reply({"skipped": str(exc) or "not implemented"})
        return
    warmup = min(float(attribute(cls, method, "warmup_time", 0.1)), MAX_WARMUP)
    number = int(attribute(cls, method, "number", 0))
    started = time.perf_counter()
    func(*args)  # also the first measure of a call's cost
    single = time.perf_counter() - started
    while time.perf_counter() - started < warmup:
        func(*args)
    if number <= 0:
        number = max(1, int(SAMPLE_TIME / max(single, 1e-9)) + 1)
    reply({"ready": number})
    for line in sys.stdin:
        if line.strip() != "sample":
            break
        started = time.perf_counter()
        for _ in range(number):
            func(*args)
        reply({"time": (time.perf_counter() - started) / number})
    if hasattr(obj, "teardown"):
        obj.teardown(*args)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--discover", nargs="+")
    parser.add_argument("--run")
    parser.add_argument("--combo", default="[]")
    args = parser.parse_args()
    out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # the benchmark's prints go to standard error

    def reply(data) -> None:
        out.write(json.dumps(data) + "\n")
        out.flush()

    try:
        if args.discover:
            reply({"benchmarks": discover(args.discover)})
        else:
            serve(args.run, json.loads(args.combo), reply)
    except Exception:
        reply({"error": traceback.format_exc()[-3000:]})
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
