#!/usr/bin/env python3
"""Fault injection against the real `medtune run` (issue 12 item 3). Standard library only.

Faults: SIGKILL at a seeded moment inside a chosen stage, then a re-run; SIGINT during training (exit 130, a
checkpoint, the next run resumes); 2 and 3 concurrent runs on one manifest and cache; disk full (a small tmpfs
cache; needs root) then more space; one flipped byte in a cached adapter / model.onnx / predictions file.
After every fault: no visible cache entry without its record or with files that differ from it, no build or
work directory left after the successful re-run, and a lock file byte-identical to an uninterrupted run's.

  eng/reliability/faults.py --trials 24 --seed 1            # the full run (kill trials spread over every stage)
  eng/reliability/faults.py --ci                            # the seeded CI subset
Options: --epochs N edits train.epochs of the quickstart copy (fewer = faster; the baseline uses the same manifest),
--dll PATH (default tool/bin/Debug/net10.0/medtune.dll), --only kill,sigint,concurrent,diskfull,corrupt, --keep.
"""
import argparse, hashlib, json, os, random, re, shutil, signal, subprocess, sys, tempfile, time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
STAGES = ["base-model", "contamination", "train", "merge", "export-base", "export-tuned", "evaluate-base", "evaluate-tuned", "report"]
KIND_ORDER = ["base-model", "contamination", "train", "merge", "export", "evaluate", "report"]
KIND = {s: s.split("-")[0] if s != "base-model" else s for s in STAGES}
HEX64 = re.compile(r"^[0-9a-f]{64}$")

results = []   # (fault, trial, ok, detail)


def log(msg):
    print(msg, flush=True)


class Medtune:
    def __init__(self, dll, timeout):
        self.dll, self.timeout = dll, timeout

    def start(self, exp, cache, *extra, logfile):
        out = open(logfile, "wb")
        env = dict(os.environ)
        return subprocess.Popen(["dotnet", str(self.dll), "run", str(exp / "quickstart.yaml"), "--cache", str(cache), *extra],
                                stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)

    def run(self, exp, cache, *extra, logfile, command="run"):
        if command == "run":
            p = self.start(exp, cache, *extra, logfile=logfile)
        else:
            p = subprocess.Popen(["dotnet", str(self.dll), command, str(exp / "quickstart.yaml"), *extra],
                                 stdout=open(logfile, "wb"), stderr=subprocess.STDOUT, start_new_session=True)
        try:
            return p.wait(self.timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL); p.wait()
            return "timeout"


def wait_for(logfile, pattern, proc, limit):
    end = time.time() + limit
    while time.time() < end:
        if proc.poll() is not None:
            return False
        if re.search(pattern, Path(logfile).read_text(errors="replace")):
            return True
        time.sleep(0.05)
    return False


def entry_problems(cache):
    """Visible entries (cache/<kind>/<64 hex>/) must hold a record and exactly the recorded files."""
    problems = []
    cache = Path(cache)
    if not cache.exists():
        return problems
    for kind_dir in [d for d in cache.iterdir() if d.is_dir()]:
        for entry in [d for d in kind_dir.iterdir() if d.is_dir() and HEX64.match(d.name)]:
            record = entry / ".medtune-record.json"
            if not record.exists():
                problems.append(f"{entry}: visible entry without a record (partial)"); continue
            outputs = json.loads(record.read_text())["outputs"]
            files = {p.relative_to(entry).as_posix() for p in entry.rglob("*") if p.is_file()
                     and not any(part.startswith(".medtune-") for part in p.relative_to(entry).parts)}
            if files != set(outputs):
                problems.append(f"{entry}: files differ from the record ({sorted(files ^ set(outputs))[:3]})")
            for name, meta in outputs.items():
                p = entry / name
                if p.exists() and hashlib.sha256(p.read_bytes()).hexdigest() != meta["sha256"]:
                    problems.append(f"{entry}/{name}: content differs from the record")
    return problems


def leftovers(cache):
    cache = Path(cache)
    if not cache.exists():
        return []
    return [str(d) for k in cache.iterdir() if k.is_dir() for d in k.iterdir()
            if d.is_dir() and d.name.startswith((".tmp-", ".work-", ".old-"))]


def copy_cache_without(src, dst, from_stage):
    """A copy of the baseline cache without the entries of from_stage's kind and every later kind."""
    drop = KIND_ORDER[KIND_ORDER.index(KIND[from_stage]):]
    shutil.copytree(src, dst, ignore=lambda d, names: [n for n in names if Path(d) == Path(src) and n in drop])


def new_experiment(root, template, name):
    exp = root / name
    shutil.copytree(template, exp)
    return exp


def check_rerun(mt, exp, cache, baseline_lock, root, tag):
    rc = mt.run(exp, cache, logfile=root / f"{tag}.rerun.log")
    problems = []
    if rc != 0:
        problems.append(f"re-run exit {rc} (log {root / f'{tag}.rerun.log'})")
    lock = exp / "quickstart.lock.json"
    if not lock.exists() or lock.read_bytes() != baseline_lock:
        problems.append("lock file differs from the uninterrupted run's")
    problems += entry_problems(cache)
    problems += [f"left over: {d}" for d in leftovers(cache)]
    return problems


def record(fault, trial, problems, detail=""):
    ok = not problems
    results.append((fault, trial, ok, detail if ok else "; ".join(problems)))
    log(f"  {fault} #{trial}: {'ok' if ok else 'FAILED'} {detail if ok else '; '.join(problems)}")


def kill_trial(mt, root, template, base_cache, baseline_lock, durations, trial, stage, rng, at_boundary):
    exp = new_experiment(root, template, f"kill-{trial}")
    cache = root / f"kill-{trial}-cache"
    copy_cache_without(base_cache, cache, stage)
    logfile = root / f"kill-{trial}.log"
    p = mt.start(exp, cache, logfile=logfile)
    if not wait_for(logfile, rf"(?m)^{re.escape(stage)}: running", p, mt.timeout):
        p.kill(); p.wait()
        return record("sigkill", trial, [f"{stage} never started (log {logfile})"])
    delay = 0.0 if at_boundary else rng.uniform(0, durations.get(stage, 1.0))
    time.sleep(delay)
    inside = not re.search(rf"(?m)^{re.escape(stage)}: done", logfile.read_text(errors="replace"))
    os.killpg(p.pid, signal.SIGKILL); p.wait()
    problems = entry_problems(cache)
    problems += check_rerun(mt, exp, cache, baseline_lock, root, f"kill-{trial}")
    record("sigkill", trial, problems, f"{stage} +{delay:.2f}s ({'inside the stage' if inside else 'after it finished'})")


def sigint_trial(mt, root, template, base_cache, baseline_lock, durations, rng):
    exp = new_experiment(root, template, "sigint")
    cache = root / "sigint-cache"
    copy_cache_without(base_cache, cache, "train")
    logfile = root / "sigint.log"
    p = mt.start(exp, cache, logfile=logfile)
    problems = []
    if not wait_for(logfile, r"(?m)^train: running", p, mt.timeout):
        problems.append("training never started")
    time.sleep(rng.uniform(0.2, 0.6) * durations.get("train", 2.0))
    os.killpg(p.pid, signal.SIGINT)
    try:
        rc = p.wait(mt.timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL); p.wait(); rc = "timeout"
    text = logfile.read_text(errors="replace")
    if rc != 130:
        problems.append(f"exit {rc}, expected 130")
    if "checkpoint written" not in text or not any(cache.glob("train/.work-*/*")):
        problems.append("no checkpoint written")
    problems += entry_problems(cache)
    rerun_log = root / "sigint.rerun.log"
    problems += check_rerun(mt, exp, cache, baseline_lock, root, "sigint")
    resumed = re.search(r"resum", rerun_log.read_text(errors="replace"), re.I) is not None
    if not resumed:
        problems.append("the next run did not say it resumed")
    m = re.search(r"interrupted at step (\d+)", text)
    record("sigint", 1, problems, f"exit {rc}, checkpoint at step {m.group(1) if m else '?'}, resumed: {resumed}")


def concurrent_trial(mt, root, template, baseline_lock, n):
    exp = new_experiment(root, template, f"concurrent-{n}")
    cache = root / f"concurrent-{n}-cache"
    procs = [mt.start(exp, cache, logfile=root / f"concurrent-{n}.{i}.log") for i in range(n)]
    codes = []
    for p in procs:
        try:
            codes.append(p.wait(mt.timeout * 2))
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL); p.wait(); codes.append("timeout")
    problems = [f"run {i} exit {c}" for i, c in enumerate(codes) if c != 0]
    logs = "".join((root / f"concurrent-{n}.{i}.log").read_text(errors="replace") for i in range(n))
    for stage in STAGES:
        built = len(re.findall(rf"(?m)^{re.escape(stage)}: running", logs))
        if built != 1:
            problems.append(f"{stage} built {built} times")
    lock = exp / "quickstart.lock.json"
    if not lock.exists() or lock.read_bytes() != baseline_lock:
        problems.append("lock file differs from the uninterrupted run's")
    problems += entry_problems(cache) + [f"left over: {d}" for d in leftovers(cache)]
    record(f"concurrent-{n}", 1, problems, f"exit codes {codes}")


def diskfull_trial(mt, root, template, base_cache, baseline_lock):
    exp = new_experiment(root, template, "diskfull")
    mount = root / "diskfull-cache"
    mount.mkdir()
    # Room for the cached base model and a fraction of what train/merge write: a stage runs out of space mid-write.
    size_kb = max(2048, int(sum(f.stat().st_size for f in (base_cache / "base-model").rglob("*") if f.is_file()) / 1024 * 1.6))
    if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(mount)]).returncode != 0:
        return record("disk-full", 1, ["cannot mount a tmpfs (needs root and CAP_SYS_ADMIN)"])
    try:
        rc = mt.run(exp, mount, logfile=root / "diskfull.log")
        text = (root / "diskfull.log").read_text(errors="replace")
        problems = []
        if rc in (0, "timeout"):
            problems.append(f"exit {rc} on a full disk")
        named = re.search(r"No space left|disk (is )?full|space", text, re.I)
        if not named:
            problems.append("the error does not say the disk is full")
        if re.search(r"^\s+at (MedTune|System)\.", text, re.M):
            problems.append("stack trace printed")
        problems += entry_problems(mount)
        subprocess.run(["mount", "-o", "remount,size=2g", str(mount)], check=True)
        problems += check_rerun(mt, exp, mount, baseline_lock, root, "diskfull")
        line = next((l for l in text.splitlines() if re.search(r"space", l, re.I)), "")
        record("disk-full", 1, problems, f"exit {rc}: {line.strip()[:160]}")
    finally:
        subprocess.run(["umount", str(mount)])


def corrupt_trial(mt, root, template, base_cache, baseline_lock, rng):
    targets = [("train", "adapter_model.safetensors"), ("export", "model.onnx"), ("evaluate", "predictions/*.jsonl")]
    for i, (kind, pattern) in enumerate(targets, 1):
        exp = new_experiment(root, template, f"corrupt-{i}")
        (exp / "quickstart.lock.json").write_bytes(baseline_lock)
        cache = root / f"corrupt-{i}-cache"
        shutil.copytree(base_cache, cache)
        victim = rng.choice(sorted(cache.glob(f"{kind}/*/{pattern}")))
        data = bytearray(victim.read_bytes())
        at = rng.randrange(len(data))
        data[at] ^= 0x01
        victim.chmod(0o644)
        victim.write_bytes(bytes(data))
        problems = []
        env_cache = dict(os.environ, MEDTUNE_CACHE=str(cache))
        v = subprocess.run(["dotnet", str(mt.dll), "verify", str(exp / "quickstart.yaml")], capture_output=True, text=True, env=env_cache, timeout=mt.timeout)
        if v.returncode != 3 or victim.name not in v.stdout + v.stderr:
            problems.append(f"verify exit {v.returncode}, names {victim.name}: {victim.name in v.stdout + v.stderr}")
        rc = mt.run(exp, cache, logfile=root / f"corrupt-{i}.log")
        text = (root / f"corrupt-{i}.log").read_text(errors="replace")
        if rc != 0:
            problems.append(f"run exit {rc}")
        if not re.search(rf"damaged.*{re.escape(victim.name)}", text, re.S):
            problems.append("run did not report the damaged file")
        if (exp / "quickstart.lock.json").read_bytes() != baseline_lock:
            problems.append("lock file differs after the rebuild")
        problems += entry_problems(cache)
        record("corrupt", i, problems, f"{kind}/{victim.relative_to(cache / kind).as_posix()[13:]} byte {at}: verify exit {v.returncode}, run rebuilt it")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--trials", type=int, default=24, help="SIGKILL trials (spread round-robin over the stages)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--ci", action="store_true", help="CI subset: 3 kill trials at stage starts, 1 SIGINT, 2 concurrent, disk full, corruption; --epochs 2")
    ap.add_argument("--epochs", type=int)
    ap.add_argument("--dll", default=str(REPO / "tool/bin/Debug/net10.0/medtune.dll"))
    ap.add_argument("--only", default="kill,sigint,concurrent,diskfull,corrupt")
    ap.add_argument("--timeout", type=int, default=3600, help="seconds one medtune run may take")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    a = ap.parse_args()
    if a.ci:
        a.trials, a.epochs = 3, a.epochs or 2
    only = set(a.only.split(","))
    rng = random.Random(a.seed)
    mt = Medtune(Path(a.dll).resolve(), a.timeout)
    if not mt.dll.exists():
        sys.exit(f"{mt.dll} not found: build the tool first (dotnet build tool)")
    root = Path(tempfile.mkdtemp(prefix="medtune-faults-"))
    log(f"work directory {root}, seed {a.seed}, load {os.getloadavg()[0]:.1f}")
    template = root / "template"
    template.mkdir()
    yaml = (REPO / "experiments/quickstart.yaml").read_text()
    if a.epochs:
        yaml = yaml.replace("epochs: 20", f"epochs: {a.epochs}")
    (template / "quickstart.yaml").write_text(yaml)
    shutil.copytree(REPO / "experiments/quickstart", template / "quickstart")

    base_exp = new_experiment(root, template, "baseline")
    base_cache = root / "baseline-cache"
    started = time.time()
    rc = mt.run(base_exp, base_cache, logfile=root / "baseline.log")
    if rc != 0:
        sys.exit(f"the uninterrupted run failed (exit {rc}); see {root / 'baseline.log'}")
    baseline_lock = (base_exp / "quickstart.lock.json").read_bytes()
    durations = {s: json.loads(next((base_cache / KIND[s]).glob("*/.medtune-record.json")).read_text())["duration_seconds"]
                 for s in STAGES if list((base_cache / KIND[s]).glob("*/.medtune-record.json"))}
    # export/evaluate have two entries each: take the per-stage record by stage name.
    for rec in base_cache.glob("*/*/.medtune-record.json"):
        r = json.loads(rec.read_text()); durations[r["stage"]] = r["duration_seconds"]
    log(f"baseline: {time.time() - started:.0f} s; stage seconds {json.dumps({k: round(v, 1) for k, v in durations.items()})}")

    if "kill" in only:
        for t in range(1, a.trials + 1):
            stage = STAGES[(t - 1) % len(STAGES)] if not a.ci else ["train", "export-tuned", "evaluate-base"][t - 1]
            kill_trial(mt, root, template, base_cache, baseline_lock, durations, t, stage, rng, at_boundary=a.ci)
    if "sigint" in only:
        sigint_trial(mt, root, template, base_cache, baseline_lock, durations, rng)
    if "concurrent" in only:
        for n in ([2] if a.ci else [2, 3]):
            concurrent_trial(mt, root, template, baseline_lock, n)
    if "diskfull" in only:
        diskfull_trial(mt, root, template, base_cache, baseline_lock)
    if "corrupt" in only:
        corrupt_trial(mt, root, template, base_cache, baseline_lock, rng)

    failed = [r for r in results if not r[2]]
    summary = {}
    for fault, _, ok, _ in results:
        s = summary.setdefault(fault, [0, 0]); s[0] += 1; s[1] += ok
    log("summary: " + ", ".join(f"{f} {ok}/{n} survived" for f, (n, ok) in summary.items()) + f"; {time.time() - started:.0f} s in all")
    if not a.keep and not failed:
        shutil.rmtree(root, ignore_errors=True)
    else:
        log(f"kept {root}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
