#!/usr/bin/env python3
"""Run corpus services natively, as their authors would, and probe them.

For each service of ../services.toml with a `native` command (or only those named on the command line),
copy its build context to a scratch directory, run `native` there in its own process group with the
service's `env` and `secrets` (a dummy value), wait until its health endpoint answers 200 (or its port
accepts a connection when it has no HTTP health path; or the command exits 0 when it serves nothing),
then stop the process group. Prints one line per service and exits 1 if any failed.

Needs what the authors need: Go, Node and npm, Rust, a JDK, and for Python the Debian bookworm packages
the requirements pin (python3-flask python3-gunicorn python3-fastapi python3-uvicorn python3-django
python3-redis python3-jinja2), used through a venv made with --system-site-packages. Run as root for
go-whoami, which listens on port 80.
"""

import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import tomllib

HERE = os.path.dirname(os.path.abspath(__file__))
IGNORE = shutil.ignore_patterns("node_modules", "target", ".next", "dist", "build", "__pycache__", "*.egg-info")
TIMEOUT = 300  # seconds; a cold `next build` on a busy 2-core machine takes minutes


def answers(port, path):
    try:
        if not path:
            with socket.create_connection(("127.0.0.1", port), timeout=2):
                return True
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        conn.request("GET", path)
        return conn.getresponse().status == 200
    except OSError:
        return False


def run(svc, scratch, venv):
    root = os.path.normpath(os.path.join(HERE, svc["dir"], svc["context"]))
    dest = os.path.join(scratch, svc["dir"].replace("/", "_"))
    shutil.copytree(root, dest, ignore=IGNORE)
    cwd = os.path.normpath(os.path.join(dest, os.path.relpath(os.path.join(HERE, svc["dir"]), root)))
    env = dict(os.environ)
    env.pop("PORT", None)
    env["PATH"] = os.path.join(venv, "bin") + os.pathsep + env["PATH"]
    for kv in svc["env"]:
        k, _, v = kv.partition("=")
        env[k] = v
    for s in svc["secrets"]:
        env[s] = "corpus-dummy-token"
    log = open(os.path.join(scratch, svc["dir"].replace("/", "_") + ".log"), "w")
    proc = subprocess.Popen(["bash", "-c", svc["native"]], cwd=cwd, env=env, stdout=log, stderr=log, start_new_session=True)
    start = time.monotonic()
    ok = False
    try:
        while time.monotonic() - start < TIMEOUT:
            if svc["port"] == 0:
                if proc.poll() is not None:
                    ok = proc.returncode == 0
                    break
            elif answers(svc["port"], svc["health"]):
                ok = True
                break
            elif proc.poll() is not None:
                break
            time.sleep(0.5)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        proc.wait()
        log.close()
    return ok, time.monotonic() - start, log.name


def main():
    with open(os.path.join(HERE, "..", "services.toml"), "rb") as f:
        services = tomllib.load(f)["service"]
    wanted = set(sys.argv[1:])
    scratch = tempfile.mkdtemp(prefix="corpus-native-")
    venv = os.path.join(scratch, "venv")
    subprocess.run(["/usr/bin/python3", "-m", "venv", "--system-site-packages", venv], check=True)
    failed = 0
    for svc in services:
        if not svc["native"] or (wanted and svc["dir"] not in wanted):
            continue
        ok, secs, log = run(svc, scratch, venv)
        what = f"{svc['port']}{svc['health']}" if svc["port"] else "exit 0"
        print(f"{'PASS' if ok else 'FAIL'} {svc['dir']:<28} {what:<34} {secs:6.1f}s" + ("" if ok else f"  (log: {log})"), flush=True)
        failed += not ok
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
