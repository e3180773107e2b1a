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
    probing(monkeypatch, [300.0, 250.0, 12.0], clock_step=10)
    common.settle_file_creation(common.Scratch(tmp_path), timeout=240)
    out = capsys.readouterr().out
    assert "waited 20 s for file creation to settle: 12 us a file, settled" in out


def test_it_gives_up_at_the_timeout_and_says_so(tmp_path, monkeypatch, capsys):
    probing(monkeypatch, [300.0] * 10, clock_step=100)
    common.settle_file_creation(common.Scratch(tmp_path), timeout=240)
    out = capsys.readouterr().out
    assert "waited 300 s" in out and "300 us a file, NOT settled: measured anyway" in out


def test_a_quiet_host_or_no_timeout_costs_no_wait_and_no_word(tmp_path, monkeypatch, capsys):
    probing(monkeypatch, [12.0], clock_step=10)
    common.settle_file_creation(common.Scratch(tmp_path), timeout=240)
    common.settle_file_creation(common.Scratch(tmp_path), timeout=0)  # would fail a probe
    assert capsys.readouterr().out == ""


def test_a_probe_measures_real_files(tmp_path):
    assert common._creation_us(tmp_path, files=20) > 0
    assert len(list(tmp_path.iterdir())) == 20  # kept: deleting them would cost the next
