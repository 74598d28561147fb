"""Speed and memory benchmark: copyfair against ScanCode, licensecheck and ``cat``.

Runs each tool on the same trees (built by ``benchmarks/trees.py``) and prints wall time,
files/s, the ratios copyfair/ScanCode and copyfair/licensecheck, copyfair's cold scan against
``cat`` of the same bytes, the warm rescan against the cold scan, and peak memory, then checks
the issue's targets.

Usage::

    python benchmarks/speed.py [--tools copyfair,scancode,licensecheck,cat]
                               [--trees source,licences,big] [--memory-tree huge]
                               [--repeat 3] [--scancode-sample 250] [--json OUT]

How each figure is taken (see benchmarks/README.md):

- wall time is the elapsed time of the whole command (start-up included), best of
  ``--repeat`` runs for the fast tools (a run longer than ``--slow`` seconds is not repeated);
- files/s is the number of regular files in the tree divided by that time;
- ScanCode (``scancode -l -n 2 --json``) runs on two nested random samples of the tree (seeded)
  unless ``--scancode-full``; its files/s is the marginal rate between the two samples, which
  excludes its start-up and index loading (or the raw rate of the larger sample if that is
  higher), i.e. the rate most favourable to ScanCode;
- licensecheck runs as ``licensecheck -r --machine --check . TREE``: ``--check .`` makes it
  look at every file (its default only takes "common source files" by name);
- ``cat`` is ``find TREE -type f -print0 | xargs -0 cat > /dev/null``, best of 5 after a
  warm-up run, so the page cache is warm for it as it is for the others;
- copyfair cold is ``copyfair scan TREE --format json --cache-dir FRESH`` with a new empty
  cache folder each run; warm is the same command again on the cache the cold run filled;
- peak memory is sampled every ``--interval`` seconds over the process and all its
  descendants with psutil: "RSS sum" adds the resident sets of every process (an upper
  bound: pages shared between the parent and its forked workers count more than once),
  "PSS sum" shares them out (closer to the truth); the target is checked against both.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from trees import (  # noqa: E402  (benchmarks/ is a folder of scripts, not a package)
    TREE_NAMES,
    WORK_DIR,
    TreeStats,
    ensure_tree,
    iter_files,
    tree_stats,
)

OUT_DIR = WORK_DIR / "out"
PROJECT_DIR = WORK_DIR.parent.parent
# copyfair compiles its licence index once into $COPYFAIR_CACHE_DIR: ours, not the user's.
INDEX_CACHE = WORK_DIR / "index-cache"
TOOLS: tuple[str, ...] = ("cat", "licensecheck", "scancode", "copyfair")
MB = 1024 * 1024
NO_REPORT = -2  # the return code recorded for a copyfair run that wrote no JSON report

TARGET_SCANCODE_RATIO = 100.0
TARGET_CAT_RATIO = 10.0
TARGET_CAT_MIN_FILES = 20_000
TARGET_WARM_FRACTION = 0.05
TARGET_RSS_MB = 400.0
TARGET_RSS_MIN_FILES = 100_000


# --------------------------------------------------------------------------- measuring


@dataclass(frozen=True)
class Run:
    """One command run: elapsed seconds, exit code and peak memory of its process tree."""

    seconds: float
    returncode: int
    peak_rss_sum_mb: float
    peak_pss_sum_mb: float
    peak_rss_max_mb: float
    peak_processes: int


class _Sampler(threading.Thread):
    """Samples the memory of a process and all its descendants until stopped."""

    def __init__(self, pid: int, interval: float, pss: bool) -> None:
        super().__init__(daemon=True)
        self._root = psutil.Process(pid)
        self._interval = interval
        self._pss = pss
        self._stop_event = threading.Event()
        self.rss_sum = 0
        self.pss_sum = 0
        self.rss_max = 0
        self.processes = 0

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.sample()
            self._stop_event.wait(self._interval)

    def sample(self) -> None:
        try:
            procs = [self._root, *self._root.children(recursive=True)]
        except psutil.Error:
            return
        rss_sum = pss_sum = rss_max = 0
        for proc in procs:
            try:
                if self._pss:
                    full = proc.memory_full_info()
                    rss, pss = full.rss, full.pss
                else:
                    rss = proc.memory_info().rss
                    pss = 0
            except psutil.Error:
                continue
            rss_sum += rss
            pss_sum += pss
            rss_max = max(rss_max, rss)
        self.rss_sum = max(self.rss_sum, rss_sum)
        self.pss_sum = max(self.pss_sum, pss_sum)
        self.rss_max = max(self.rss_max, rss_max)
        self.processes = max(self.processes, len(procs))

    def stop(self) -> None:
        self._stop_event.set()


def run_command(
    cmd: Sequence[str] | str,
    stdout: Path,
    *,
    interval: float,
    pss: bool = True,
    timeout: float | None = None,
    env: dict[str, str] | None = None,
) -> Run:
    """Run ``cmd`` (a shell string when ``str``) with stdout to a file, sampling its memory."""
    stdout.parent.mkdir(parents=True, exist_ok=True)
    stderr = stdout.with_suffix(stdout.suffix + ".stderr")
    with stdout.open("wb") as out, stderr.open("wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(  # noqa: S602 - the shell string is ours (cat pipeline)
            cmd,
            stdout=out,
            stderr=err,
            shell=isinstance(cmd, str),
            env=env,
        )
        sampler = _Sampler(proc.pid, interval, pss)
        sampler.start()
        # A blocking wait: Popen.wait(timeout=...) polls with sleeps of up to 50 ms, which
        # added up to 0.05 s to every run (a third of a warm rescan). The timeout is a
        # timer that kills the process instead.
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            proc.kill()

        timer = threading.Timer(timeout, kill) if timeout is not None else None
        if timer is not None:
            timer.start()
        returncode = proc.wait()
        seconds = time.perf_counter() - start
        if timer is not None:
            timer.cancel()
        if timed_out.is_set():
            returncode = -9 if returncode == 0 else returncode
        sampler.stop()
        sampler.join()
    return Run(
        seconds=seconds,
        returncode=returncode,
        peak_rss_sum_mb=sampler.rss_sum / MB,
        peak_pss_sum_mb=sampler.pss_sum / MB,
        peak_rss_max_mb=sampler.rss_max / MB,
        peak_processes=sampler.processes,
    )


@dataclass(frozen=True)
class Measure:
    """A figure for one tool on one tree."""

    tree: str
    tool: str
    files: int
    seconds: float
    runs: int
    returncode: int
    peak_rss_sum_mb: float
    peak_pss_sum_mb: float
    peak_rss_max_mb: float
    note: str = ""
    extra: dict[str, float | int | str] = field(default_factory=dict)

    @property
    def files_per_second(self) -> float:
        return self.files / self.seconds if self.seconds > 0 else float("inf")


def best_of(
    cmd_for_run: Sequence[str] | str,
    stdout: Path,
    *,
    repeat: int,
    slow: float,
    interval: float,
    pss: bool = True,
    timeout: float | None = None,
    env: dict[str, str] | None = None,
    before_each: Callable[[], None] | None = None,
) -> tuple[Run, int]:
    """Best (shortest) of up to ``repeat`` runs; a run slower than ``slow`` s is not repeated."""
    best: Run | None = None
    runs = 0
    for _ in range(repeat):
        if before_each is not None:
            before_each()
        run = run_command(cmd_for_run, stdout, interval=interval, pss=pss, timeout=timeout, env=env)
        runs += 1
        if best is None or run.seconds < best.seconds:
            best = run
        if run.seconds > slow or run.returncode not in (0, 1):
            break
    assert best is not None
    return best, runs


def _measure(
    tree: str,
    tool: str,
    files: int,
    run: Run,
    runs: int,
    note: str = "",
    **extra: float | int | str,
) -> Measure:
    return Measure(
        tree=tree,
        tool=tool,
        files=files,
        seconds=run.seconds,
        runs=runs,
        returncode=run.returncode,
        peak_rss_sum_mb=run.peak_rss_sum_mb,
        peak_pss_sum_mb=run.peak_pss_sum_mb,
        peak_rss_max_mb=run.peak_rss_max_mb,
        note=note,
        extra=dict(extra),
    )


# --------------------------------------------------------------------------- tools


@dataclass(frozen=True)
class Options:
    repeat: int
    slow: float
    interval: float
    timeout: float
    jobs: int | None
    scancode_sample: int
    scancode_full: bool
    copyfair: str
    scancode: str
    licensecheck: str
    copyfair_args: tuple[str, ...]


def measure_cat(tree: str, root: Path, stats: TreeStats, opts: Options) -> Measure:
    cmd = f"find '{root}' -name .git -prune -o -type f -print0 | xargs -0 cat > /dev/null"
    out = OUT_DIR / tree / "cat.out"
    run_command(cmd, out, interval=opts.interval, pss=False)  # warm the page cache
    run, runs = best_of(
        cmd, out, repeat=max(opts.repeat, 5), slow=opts.slow, interval=opts.interval, pss=False
    )
    return _measure(tree, "cat", stats.files, run, runs, note="find | xargs cat, warm cache")


def measure_licensecheck(tree: str, root: Path, stats: TreeStats, opts: Options) -> Measure:
    cmd = [opts.licensecheck, "-r", "--machine", "--check", ".", str(root)]
    out = OUT_DIR / tree / "licensecheck.out"
    run, runs = best_of(
        cmd, out, repeat=opts.repeat, slow=opts.slow, interval=opts.interval, timeout=opts.timeout
    )
    lines = out.read_text(errors="replace").splitlines()
    licensed = sum(1 for line in lines if "\tUNKNOWN" not in line and "\t" in line)
    return _measure(
        tree,
        "licensecheck",
        stats.files,
        run,
        runs,
        note="-r --machine --check .",
        reported=len(lines),
        with_licence=licensed,
    )


def _scancode_cmd(opts: Options, target: Path, out: Path) -> list[str]:
    return [opts.scancode, "-l", "-n", "2", "--quiet", "--json", str(out), str(target)]


def _scancode_counts(out: Path) -> tuple[int, int]:
    """Files scanned and files with a licence detection in a ScanCode JSON output."""
    try:
        data = json.loads(out.read_text())
    except (OSError, ValueError):
        return 0, 0
    scanned = [f for f in data.get("files", []) if f.get("type") == "file"]
    licensed = [f for f in scanned if f.get("license_detections")]
    return len(scanned), len(licensed)


def _make_sample(tree: str, root: Path, size: int) -> Path:
    """Copy a seeded random sample of ``size`` files of ``root``, keeping relative paths."""
    files = sorted(iter_files(root))
    random.Random(f"copyfair-{tree}").shuffle(files)
    target = WORK_DIR / "samples" / f"{tree}-{size}"
    if target.exists():
        return target
    tmp = target.with_name(target.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    for path in files[:size]:
        dest = tmp / path.relative_to(root)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, dest)
    tmp.rename(target)
    return target


def measure_scancode(tree: str, root: Path, stats: TreeStats, opts: Options) -> Measure:
    out = OUT_DIR / tree / "scancode.json"
    log = OUT_DIR / tree / "scancode.log"
    if opts.scancode_full or stats.files <= opts.scancode_sample:
        run = run_command(
            _scancode_cmd(opts, root, out), log, interval=opts.interval, timeout=opts.timeout
        )
        scanned, licensed = _scancode_counts(out)
        return _measure(
            tree,
            "scancode",
            stats.files,
            run,
            1,
            note="-l -n 2, full tree",
            scanned=scanned,
            with_licence=licensed,
        )
    large = opts.scancode_sample
    small = max(1, large // 5)
    # One untimed run first so that the licence index is built and cached.
    warm = _make_sample(tree, root, 2)
    run_command(_scancode_cmd(opts, warm, out), log, interval=opts.interval, pss=False)
    runs: dict[int, Run] = {}
    for size in (small, large):
        sample = _make_sample(tree, root, size)
        runs[size] = run_command(
            _scancode_cmd(opts, sample, out), log, interval=opts.interval, timeout=opts.timeout
        )
    scanned, licensed = _scancode_counts(out)
    extra_seconds = runs[large].seconds - runs[small].seconds
    # Nonsense when the larger sample ran no slower (noise): fall back to the raw rate.
    raw = large / runs[large].seconds
    marginal = (large - small) / extra_seconds if extra_seconds > 0 else raw
    marginal = max(marginal, raw)
    # Express the marginal rate as the time a full run would take at that rate, plus the
    # fixed cost (start-up and index loading) seen in the small run.
    fixed = max(runs[small].seconds - small / marginal, 0.0)
    full_estimate = fixed + stats.files / marginal
    big_run = runs[large]
    estimated = Run(
        seconds=stats.files / marginal,
        returncode=big_run.returncode,
        peak_rss_sum_mb=big_run.peak_rss_sum_mb,
        peak_pss_sum_mb=big_run.peak_pss_sum_mb,
        peak_rss_max_mb=big_run.peak_rss_max_mb,
        peak_processes=big_run.peak_processes,
    )
    return _measure(
        tree,
        "scancode",
        stats.files,
        estimated,
        2,
        note=f"-l -n 2, samples of {small} and {large} files, marginal rate",
        sample_small=small,
        sample_small_seconds=round(runs[small].seconds, 2),
        sample_large=large,
        sample_large_seconds=round(runs[large].seconds, 2),
        raw_files_per_second=round(raw, 2),
        fixed_seconds=round(fixed, 2),
        full_run_estimate_seconds=round(full_estimate, 1),
        scanned=scanned,
        with_licence=licensed,
    )


def copyfair_supports(opts: Options) -> tuple[bool, str]:
    """Whether ``copyfair scan`` has the options the harness needs (it may be a placeholder)."""
    try:
        proc = subprocess.run(
            [opts.copyfair, "scan", "--help"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"cannot run {opts.copyfair}: {exc}"
    missing = [o for o in ("--format", "--cache-dir") if o not in proc.stdout]
    if proc.returncode != 0 or missing:
        return False, f"`copyfair scan --help` lacks {', '.join(missing) or 'success'}"
    return True, ""


_SNAPSHOT: list[Path] = []  # set by --snapshot: run copyfair's code from this copy


PACKAGES = ("licences", "scanners", "service")


def take_snapshot(source: str) -> Path:
    """Copy copyfair's packages to ``.work/snapshot`` so that one benchmark run measures
    one version of the code even while the working tree is being edited (copyfair's cache
    key includes the stat of its own modules: an edit between the cold and the warm run
    would otherwise empty the cache). ``source`` is ``worktree`` (the files as they are)
    or ``head`` (the last commit, ``git archive HEAD``: consistent even mid-edit)."""
    target = WORK_DIR / "snapshot"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    if source == "head":
        archive = subprocess.run(
            ["git", "archive", "--format=tar", "HEAD", *PACKAGES],
            cwd=PROJECT_DIR,
            capture_output=True,
            check=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    else:
        for package in PACKAGES:
            shutil.copytree(
                PROJECT_DIR / package,
                target / package,
                ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
            )
    # Byte-compile it, as installing a package does: this environment may set
    # PYTHONDONTWRITEBYTECODE, and every run would then compile copyfair's modules
    # again (about 0.1 s of a warm rescan's start-up that no installed copy pays).
    import compileall

    compileall.compile_dir(target, quiet=1, workers=1)
    _SNAPSHOT[:] = [target]
    return target


def _plain_dir_env() -> dict[str, str]:
    """The environment for copyfair: the trees live inside this project's git work tree
    (git-ignored), where copyfair would list only tracked files, i.e. none. A git ceiling
    at ``benchmarks/.work`` makes it scan them as the plain directories they are."""
    env = {
        **os.environ,
        "GIT_CEILING_DIRECTORIES": str(WORK_DIR),
        "COPYFAIR_CACHE_DIR": str(INDEX_CACHE),
    }
    if _SNAPSHOT:
        env["PYTHONPATH"] = os.pathsep.join(
            [str(_SNAPSHOT[0]), *filter(None, [os.environ.get("PYTHONPATH")])]
        )
    return env


def measure_copyfair_setup(opts: Options) -> float:
    """Seconds of copyfair's very first run (it compiles its licence index into
    ``$COPYFAIR_CACHE_DIR``, and the fingerprint table of the shipped texts the first time
    it detects anything: the README below is a candidate); leaves both there for the
    timed runs."""
    shutil.rmtree(INDEX_CACHE, ignore_errors=True)
    tiny = WORK_DIR / "samples" / "one-notice"
    tiny.mkdir(parents=True, exist_ok=True)
    (tiny / "README").write_text("Licensed under the MIT License.\n")
    cmd = [opts.copyfair, "scan", str(tiny), "--format", "json", "--no-cache"]
    run = run_command(cmd, OUT_DIR / "setup.json", interval=opts.interval, env=_plain_dir_env())
    return run.seconds


def _copyfair_cmd(opts: Options, root: Path, cache: Path) -> list[str]:
    cmd = [opts.copyfair, "scan", str(root), "--format", "json", "--cache-dir", str(cache)]
    if opts.jobs is not None:
        cmd += ["--jobs", str(opts.jobs)]
    return cmd + list(opts.copyfair_args)


def _copyfair_summary(out: Path) -> tuple[int, int, str]:
    """Files with a licence, skipped files, and a digest of the findings of a JSON report."""
    try:
        data = json.loads(out.read_text())
    except (OSError, ValueError):
        return -1, -1, ""
    files = data.get("files", [])
    digest = json.dumps(
        sorted((f.get("path"), sorted(f.get("licences", []))) for f in files), sort_keys=True
    )
    return len(files), len(data.get("skipped", [])), digest


def measure_copyfair(
    tree: str, root: Path, stats: TreeStats, opts: Options, *, repeat: int | None = None
) -> list[Measure]:
    repeat = opts.repeat if repeat is None else repeat
    cache = WORK_DIR / "cache" / tree
    cold_out = OUT_DIR / tree / "copyfair-cold.json"
    warm_out = OUT_DIR / tree / "copyfair-warm.json"

    def fresh_cache() -> None:
        shutil.rmtree(cache, ignore_errors=True)
        cache.parent.mkdir(parents=True, exist_ok=True)

    cmd = _copyfair_cmd(opts, root, cache)
    cold, cold_runs = best_of(
        cmd,
        cold_out,
        repeat=repeat,
        slow=opts.slow,
        interval=opts.interval,
        timeout=opts.timeout,
        env=_plain_dir_env(),
        before_each=fresh_cache,
    )
    licensed, skipped, cold_digest = _copyfair_summary(cold_out)
    # The cache now holds what the last cold run wrote: rescan the unchanged tree.
    warm, warm_runs = best_of(
        cmd,
        warm_out,
        repeat=repeat,
        slow=opts.slow,
        interval=opts.interval,
        timeout=opts.timeout,
        env=_plain_dir_env(),
    )
    warm_licensed, _, warm_digest = _copyfair_summary(warm_out)
    same = "yes" if cold_digest and cold_digest == warm_digest else "NO"
    cold_note, warm_note = "fresh --cache-dir", f"same cache; same findings as cold: {same}"
    # Exit code 1 is a policy failure, fine here; but without a JSON report the run failed.
    if licensed < 0:
        cold = replace(cold, returncode=NO_REPORT)
        cold_note = f"FAILED, no JSON report: see {cold_out}.stderr"
    if warm_licensed < 0:
        warm = replace(warm, returncode=NO_REPORT)
        warm_note = f"FAILED, no JSON report: see {warm_out}.stderr"
    return [
        _measure(
            tree,
            "copyfair cold",
            stats.files,
            cold,
            cold_runs,
            note=cold_note,
            with_licence=licensed,
            skipped=skipped,
        ),
        _measure(
            tree,
            "copyfair warm",
            stats.files,
            warm,
            warm_runs,
            note=warm_note,
            same_as_cold=same,
        ),
    ]


# --------------------------------------------------------------------------- report


def _fmt_rate(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:,.2f}"


def format_table(measures: Sequence[Measure], stats: dict[str, TreeStats]) -> str:
    head = (
        f"{'tree':9} {'files':>7} {'MB':>7}  {'tool':14} {'wall s':>9} {'files/s':>10} "
        f"{'RSS sum MB':>10} {'PSS sum MB':>10} {'runs':>4}  note"
    )
    lines = [head, "-" * len(head)]
    last_tree = ""
    for m in measures:
        st = stats[m.tree]
        first = m.tree != last_tree
        last_tree = m.tree
        tree_col = f"{m.tree:9} {st.files:>7} {st.bytes / 1e6:>7.1f}" if first else " " * 25
        rc = "" if m.returncode in (0, 1) else f" [exit {m.returncode}]"
        pss = f"{m.peak_pss_sum_mb:.0f}" if m.peak_pss_sum_mb else "-"
        lines.append(
            f"{tree_col}  {m.tool:14} {m.seconds:>9.3f} {_fmt_rate(m.files_per_second):>10} "
            f"{m.peak_rss_sum_mb:>10.0f} {pss:>10} {m.runs:>4}  {m.note}{rc}"
        )
    return "\n".join(lines)


@dataclass(frozen=True)
class Check:
    target: str
    tree: str
    value: str
    ok: bool


def ratios_and_checks(
    measures: Sequence[Measure], stats: dict[str, TreeStats]
) -> tuple[list[str], list[Check]]:
    by = {(m.tree, m.tool): m for m in measures}
    lines: list[str] = []
    checks: list[Check] = []
    for tree in dict.fromkeys(m.tree for m in measures):
        cold = by.get((tree, "copyfair cold"))
        warm = by.get((tree, "copyfair warm"))
        scancode = by.get((tree, "scancode"))
        licensecheck = by.get((tree, "licensecheck"))
        cat = by.get((tree, "cat"))
        parts: list[str] = []
        if cold and cold.returncode in (0, 1):
            if scancode:
                r = cold.files_per_second / scancode.files_per_second
                parts.append(f"copyfair/ScanCode files/s = {r:,.0f}x")
                checks.append(
                    Check(
                        f">= {TARGET_SCANCODE_RATIO:.0f}x ScanCode files/s",
                        tree,
                        f"{r:,.0f}x",
                        r >= TARGET_SCANCODE_RATIO,
                    )
                )
            if licensecheck:
                r = cold.files_per_second / licensecheck.files_per_second
                parts.append(f"copyfair/licensecheck files/s = {r:,.2f}x")
                checks.append(Check("faster than licensecheck", tree, f"{r:,.2f}x", r > 1.0))
            if cat:
                r = cold.seconds / cat.seconds
                parts.append(f"copyfair cold / cat = {r:,.1f}x")
                if stats[tree].files >= TARGET_CAT_MIN_FILES:
                    checks.append(
                        Check(
                            f"cold <= {TARGET_CAT_RATIO:.0f}x cat (20k+ files)",
                            tree,
                            f"{r:,.1f}x",
                            r <= TARGET_CAT_RATIO,
                        )
                    )
            if warm and warm.returncode in (0, 1):
                f = warm.seconds / cold.seconds
                parts.append(f"warm / cold = {f:.1%}")
                checks.append(
                    Check(
                        f"warm <= {TARGET_WARM_FRACTION:.0%} of cold",
                        tree,
                        f"{f:.1%}",
                        f <= TARGET_WARM_FRACTION,
                    )
                )
            if stats[tree].files >= TARGET_RSS_MIN_FILES:
                peak = max(cold.peak_rss_sum_mb, warm.peak_rss_sum_mb if warm else 0.0)
                pss = max(cold.peak_pss_sum_mb, warm.peak_pss_sum_mb if warm else 0.0)
                checks.append(
                    Check(
                        f"peak RSS sum <= {TARGET_RSS_MB:.0f} MB (100k+ files)",
                        tree,
                        f"{peak:.0f} MB (upper bound: shared pages counted per process)",
                        peak <= TARGET_RSS_MB,
                    )
                )
                checks.append(
                    Check(
                        f"peak PSS sum <= {TARGET_RSS_MB:.0f} MB (100k+ files)",
                        tree,
                        f"{pss:.0f} MB (shared pages shared out)",
                        pss <= TARGET_RSS_MB,
                    )
                )
        if scancode and "raw_files_per_second" in scancode.extra:
            parts.append(
                f"ScanCode raw files/s on the {scancode.extra['sample_large']}-file "
                f"sample = {scancode.extra['raw_files_per_second']}, full run "
                f"estimated at {scancode.extra['full_run_estimate_seconds']} s"
            )
        if parts:
            lines.append(f"{tree}: " + "; ".join(parts))
    return lines, checks


def format_checks(checks: Sequence[Check]) -> str:
    if not checks:
        return "(no target could be checked)"
    width = max(len(c.target) for c in checks)
    return "\n".join(
        f"{'PASS' if c.ok else 'FAIL'}  {c.target:{width}}  {c.tree:9} {c.value}" for c in checks
    )


def load_reused(path: Path, exclude: Sequence[str]) -> dict[tuple[str, str], list[Measure]]:
    """Measures of an earlier ``--json`` output, by (tree, tool), for tools not in ``exclude``."""
    data = json.loads(path.read_text())
    fields = set(Measure.__dataclass_fields__)
    out: dict[tuple[str, str], list[Measure]] = {}
    for item in data["measures"]:
        tool = "copyfair" if item["tool"].startswith("copyfair") else item["tool"]
        if tool in exclude:
            continue
        kwargs = {k: v for k, v in item.items() if k in fields}
        kwargs["note"] = f"reused; {kwargs.get('note', '')}"
        out.setdefault((item["tree"], tool), []).append(Measure(**kwargs))
    return out


# --------------------------------------------------------------------------- main


def _default_copyfair() -> str:
    here = Path(sys.executable).parent / "copyfair"
    if here.exists():
        return str(here)
    return shutil.which("copyfair") or "/work/venv/bin/copyfair"


def _default_scancode() -> str:
    venv = WORK_DIR / "scancode-venv" / "bin" / "scancode"
    return str(venv) if venv.exists() else (shutil.which("scancode") or str(venv))


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Speed/memory benchmark: copyfair vs ScanCode, licensecheck and cat."
    )
    p.add_argument("--tools", default=",".join(TOOLS), help="default: %(default)s")
    p.add_argument("--trees", default="source,licences,big", help="default: %(default)s")
    p.add_argument(
        "--memory-tree",
        default="huge",
        help="tree for the peak-memory run of copyfair ('' to skip; default: huge)",
    )
    p.add_argument("--repeat", type=int, default=3, help="best of N runs (default: 3)")
    p.add_argument(
        "--slow",
        type=float,
        default=30.0,
        help="a run longer than this many seconds is not repeated (default: 30)",
    )
    p.add_argument("--timeout", type=float, default=900.0, help="per run, seconds")
    p.add_argument(
        "--interval",
        type=float,
        default=0.05,
        help="memory sampling interval, seconds (default: 0.05)",
    )
    p.add_argument(
        "--jobs",
        type=int,
        default=None,
        help="pass --jobs N to copyfair (default: copyfair's own default)",
    )
    p.add_argument(
        "--scancode-sample",
        type=int,
        default=250,
        help="files in ScanCode's larger sample (default: 250)",
    )
    p.add_argument(
        "--scancode-full", action="store_true", help="run ScanCode on whole trees (hours on big)"
    )
    p.add_argument("--copyfair", default=_default_copyfair())
    p.add_argument("--scancode", default=_default_scancode())
    p.add_argument("--licensecheck", default=shutil.which("licensecheck") or "licensecheck")
    p.add_argument(
        "--copyfair-arg",
        action="append",
        default=[],
        help="extra argument for `copyfair scan` (repeatable)",
    )
    p.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    p.add_argument(
        "--snapshot",
        nargs="?",
        const="worktree",
        choices=("worktree", "head"),
        help="run copyfair from a copy of its packages taken at the start, of the working "
        "tree as it is (the default) or of the last commit (for a working tree that is "
        "being edited while the benchmark runs)",
    )
    p.add_argument(
        "--reuse",
        type=Path,
        action="append",
        default=[],
        help="take the figures of the tools not run now from this earlier --json output "
        "(e.g. ScanCode's, which take minutes); marked 'reused' in the table; repeatable, "
        "a later file's figure for a tree and tool replaces an earlier one's",
    )
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    tools = [t for t in args.tools.split(",") if t]
    trees = [t for t in args.trees.split(",") if t]
    bad = [t for t in tools if t not in TOOLS] + [t for t in trees if t not in TREE_NAMES]
    if args.memory_tree and args.memory_tree not in TREE_NAMES:
        bad.append(args.memory_tree)
    if bad:
        print(f"speed.py: unknown tool or tree: {', '.join(bad)}", file=sys.stderr)
        return 2
    opts = Options(
        repeat=args.repeat,
        slow=args.slow,
        interval=args.interval,
        timeout=args.timeout,
        jobs=args.jobs,
        scancode_sample=args.scancode_sample,
        scancode_full=args.scancode_full,
        copyfair=args.copyfair,
        scancode=args.scancode,
        licensecheck=args.licensecheck,
        copyfair_args=tuple(args.copyfair_arg),
    )
    notes: list[str] = []
    if "copyfair" in tools and args.snapshot:
        where = take_snapshot(args.snapshot)
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=PROJECT_DIR,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        state = f"commit {head}" + (" plus uncommitted edits" if args.snapshot != "head" else "")
        notes.append(f"copyfair ran from a snapshot of its packages ({state}): {where}")
    if "copyfair" in tools:
        ok, why = copyfair_supports(opts)
        if not ok:
            notes.append(f"copyfair skipped: {why}")
            tools.remove("copyfair")
        else:
            setup = measure_copyfair_setup(opts)
            notes.append(
                f"copyfair's first run ever (compiles its licence index and fingerprint table, "
                f"once per install and "
                f"version; not part of the cold figures): {setup:.2f} s on a one-file folder"
            )
    for tool, exe in (("scancode", opts.scancode), ("licensecheck", opts.licensecheck)):
        if tool in tools and not shutil.which(exe):
            notes.append(f"{tool} skipped: {exe} not found")
            tools.remove(tool)

    load_start = os.getloadavg()[0]
    measures: list[Measure] = []
    stats: dict[str, TreeStats] = {}
    reused: dict[tuple[str, str], list[Measure]] = {}
    for path in args.reuse:
        reused.update(load_reused(path, exclude=tools))

    def log(msg: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)

    for tree in trees:
        root = ensure_tree(tree)
        stats[tree] = tree_stats(root)
        for tool in TOOLS:
            if tool not in tools and (tree, tool) not in reused:
                continue
            if (tree, tool) in reused:
                log(f"{tree}: {tool} reused")
                measures.extend(reused[tree, tool])
                continue
            log(f"{tree}: {tool}")
            if tool == "cat":
                measures.append(measure_cat(tree, root, stats[tree], opts))
            elif tool == "licensecheck":
                measures.append(measure_licensecheck(tree, root, stats[tree], opts))
            elif tool == "scancode":
                measures.append(measure_scancode(tree, root, stats[tree], opts))
            else:
                measures.extend(measure_copyfair(tree, root, stats[tree], opts))
    if args.memory_tree and "copyfair" in tools and args.memory_tree not in trees:
        tree = args.memory_tree
        root = ensure_tree(tree)
        stats[tree] = tree_stats(root)
        if "cat" in tools:
            log(f"{tree}: cat")
            measures.append(measure_cat(tree, root, stats[tree], opts))
        log(f"{tree}: copyfair (single cold and warm run)")
        measures.extend(measure_copyfair(tree, root, stats[tree], opts, repeat=1))

    header = (
        f"copyfair speed benchmark, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
        f" - {platform.node()}, {os.cpu_count()} CPUs, "
        f"{psutil.virtual_memory().total / 2**30:.0f} GiB, Python "
        f"{platform.python_version()}, copyfair --jobs {opts.jobs or 'default'}; "
        f"load average at start {load_start:.1f}, at end {os.getloadavg()[0]:.1f}"
    )
    ratio_lines, checks = ratios_and_checks(measures, stats)
    print(header)
    print()
    print(format_table(measures, stats))
    print()
    print("\n".join(ratio_lines))
    print()
    print(format_checks(checks))
    for note in notes:
        print(f"note: {note}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "header": header,
                    "trees": {k: asdict(v) for k, v in stats.items()},
                    "measures": [
                        asdict(m) | {"files_per_second": m.files_per_second} for m in measures
                    ],
                    "checks": [asdict(c) for c in checks],
                    "notes": notes,
                },
                indent=2,
            )
            + "\n"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
