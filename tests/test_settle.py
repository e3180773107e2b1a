"""Goal scripts wait for file creation to settle before timing builds (perftools/common.py)."""

from perftools import common


def probing(monkeypatch, costs, clock_step):
    """Probes return ``costs`` in turn; each sleep moves the clock on by ``clock_step``."""
    clock = [0.0]
    probes = iter(costs)
    monkeypatch.setattr(common, "_creation_us", lambda folder: next(probes))
    monkeypatch.setattr(common.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(common.time, "sleep", lambda s: clock.__setitem__(0, clock[0] + clock_step))


def test_it_probes_until_a_file_costs_what_it_does_on_a_quiet_host(tmp_path, monkeypatch, capsys):
    probing(monkeypatch, [300.0, 250.0, 12.0, 12.5], clock_step=10)
    common.settle_file_creation(common.Scratch(tmp_path), timeout=240)
    out = capsys.readouterr().out
    assert "waited 30 s for file creation to settle: 12 us a file, settled" in out


def test_it_waits_while_the_cost_still_falls_under_the_threshold(tmp_path, monkeypatch, capsys):
    probing(monkeypatch, [300.0, 24.0, 14.0, 13.0], clock_step=10)
    common.settle_file_creation(common.Scratch(tmp_path), timeout=240)
    out = capsys.readouterr().out
    assert "waited 30 s for file creation to settle: 13 us a file, settled" in out


def test_it_gives_up_at_the_timeout_and_says_so(tmp_path, monkeypatch, capsys):
    probing(monkeypatch, [300.0] * 10, clock_step=100)
    common.settle_file_creation(common.Scratch(tmp_path), timeout=240)
    out = capsys.readouterr().out
    assert "waited 300 s" in out and "300 us a file, NOT settled: measured anyway" in out
    probing(monkeypatch, [300.0, 200.0, 30.0, 20.0], clock_step=100)  # under, still falling
    common.settle_file_creation(common.Scratch(tmp_path), timeout=240)
    out = capsys.readouterr().out
    assert "waited 300 s" in out and "20 us a file, NOT settled: measured anyway" in out


def test_a_quiet_host_costs_two_probes_and_no_timeout_none(tmp_path, monkeypatch, capsys):
    probing(monkeypatch, [12.0, 11.0], clock_step=10)
    common.settle_file_creation(common.Scratch(tmp_path), timeout=240)
    common.settle_file_creation(common.Scratch(tmp_path), timeout=0)  # would fail a probe
    assert capsys.readouterr().out.splitlines() == [
        "waited 10 s for file creation to settle: 11 us a file, settled"
    ]


def test_a_probe_measures_real_files(tmp_path):
    assert common._creation_us(tmp_path, files=20) > 0
    assert len(list(tmp_path.iterdir())) == 20  # kept: deleting them would cost the next
