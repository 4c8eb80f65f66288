"""Runs ``socialinbox`` commands as real processes forked from one warm interpreter.

Starting Python and importing the app takes seconds on a loaded machine; a kill test needs a hundred processes.
This helper imports the app once, then for each ``run`` forks a child that runs the real command-line entry point
(``socialinbox.cli.main``) with its own pid, its output in a log file, and nothing shared but the imported code. The
test kills children with SIGKILL by pid; ``wait`` reaps one and says how it ended.

Protocol on stdin/stdout, one line each: ``run <log file> <JSON argv>`` -> ``<pid>``; ``wait <pid>`` -> ``<status>``
(``os.waitpid``'s raw status); ``quit``.
"""

from __future__ import annotations

import json
import os
import sys

import socialinbox.cli
import socialinbox.wiring


def _child(log_file: str, argv: list[str]) -> None:
    descriptor = os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(descriptor, 1)
    os.dup2(descriptor, 2)
    nothing = os.open(os.devnull, os.O_RDONLY)
    os.dup2(nothing, 0)
    code = 70
    try:
        code = socialinbox.cli.main(argv)
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 1
    except BaseException:  # what the real entry point would print before dying
        import traceback

        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def main() -> None:
    for line in sys.stdin:
        command, _, rest = line.strip().partition(" ")
        if command == "run":
            log_file, _, argv = rest.partition(" ")
            pid = os.fork()
            if pid == 0:
                _child(log_file, json.loads(argv))
            print(pid, flush=True)
        elif command == "wait":
            _, status = os.waitpid(int(rest), 0)
            print(status, flush=True)
        elif command == "quit":
            return


if __name__ == "__main__":
    main()
