"""The funnel, lifecycle and RFM workloads of compare.py in one process and
on a Ballista cluster on this machine (a `cdpfusion scheduler` and two
`cdpfusion executor` processes, each running as many tasks as there are
cores), same data, same binary: the cluster's overhead as a ratio, and from
the events each executor core got through, what N machines would take for
a billion events.

    python3 benches/compare/cluster_bench.py --persons 1000000
"""

import argparse
import os
import pathlib
import socket
import statistics
import subprocess
import sys
import time

import duckdb

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import compare  # noqa: E402

WORKLOADS = [
    ("funnel", compare.cdpfusion_funnel),
    ("lifecycle", compare.cdpfusion_lifecycle),
    ("rfm", compare.cdpfusion_rfm),
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(process, port):
    deadline = time.time() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            assert process.poll() is None, "a cluster process exited"
            assert time.time() < deadline, "a cluster process did not start"
            time.sleep(0.1)


def start_cluster(binary, executors, tasks, workdir):
    scheduler_port = free_port()
    scheduler = subprocess.Popen([str(binary), "scheduler", "--bind", f"127.0.0.1:{scheduler_port}"],
                                 stderr=open(workdir / "scheduler.log", "w"))
    wait_listening(scheduler, scheduler_port)
    processes = [scheduler]
    port = scheduler_port + 10
    for n in range(executors):
        (workdir / f"executor-{n}").mkdir(exist_ok=True)
        executor = subprocess.Popen(
            [str(binary), "executor", "--scheduler", f"127.0.0.1:{scheduler_port}", "--bind", f"127.0.0.1:{port}",
             "--concurrent-tasks", str(tasks), "--work-dir", str(workdir / f"executor-{n}")],
            stderr=open(workdir / f"executor-{n}.log", "w"))
        wait_listening(executor, port)
        processes.append(executor)
        port += 10
    time.sleep(1)
    return f"df://127.0.0.1:{scheduler_port}", processes


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--data", type=pathlib.Path, default=None, help="dataset directory (default: bench-data/N)")
    parser.add_argument("--binary", type=pathlib.Path, default=None, help="cdpfusion binary (default: release build)")
    parser.add_argument("--executors", type=int, default=2)
    args = parser.parse_args()

    binary = compare.cdpfusion_binary(args.binary)
    data_dir = (args.data or compare.ROOT / "bench-data" / str(args.persons)).resolve()
    compare.ensure_data(binary, args.persons, data_dir)
    workdir = data_dir / "_work"
    workdir.mkdir(exist_ok=True)
    events = compare.ensure_events(binary, data_dir, workdir)
    event_count = duckdb.sql(f"SELECT count(*) FROM '{events}'").fetchall()[0][0]
    cores = os.cpu_count()
    url, processes = start_cluster(binary, args.executors, cores, workdir)
    print(f"{args.persons} persons, {event_count:,} events; cluster: {args.executors} executors x {cores} tasks "
          f"on this {cores}-core machine; {args.runs} runs each (median)")
    print(f"{'workload':<10} {'local s':>8} {'cluster s':>10} {'overhead':>9} {'events/s/core':>14} "
          f"{'1B events on N machines of 16 cores, N = 1 / 4 / 16':>52}  answers")
    try:
        for name, run in WORKLOADS:
            compare.SHELL_ARGS[:] = []
            local = [run(binary, events, workdir) for _ in range(args.runs)]
            compare.SHELL_ARGS[:] = ["--remote", url]
            remote = [run(binary, events, workdir) for _ in range(args.runs)]
            local_s = statistics.median(t for t, _ in local)
            remote_s = statistics.median(t for t, _ in remote)
            # Both executors share this machine's cores: the cluster's
            # throughput per core is what one core of a node would do.
            per_core = event_count / remote_s / cores
            # Linear in cores: a lower bound, shuffles across machines cost more.
            billion = " / ".join(f"{1e9 / (per_core * 16 * n):.1f} s" for n in (1, 4, 16))
            same = "same" if local[0][1] == remote[0][1] else f"differ: {local[0][1]} vs {remote[0][1]}"
            print(f"{name:<10} {local_s:8.2f} {remote_s:10.2f} {remote_s / local_s:8.2f}x {per_core:14,.0f} "
                  f"{billion:>52}  {same}")
    finally:
        compare.SHELL_ARGS[:] = []
        for process in reversed(processes):
            process.terminate()
            process.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
