"""Simulator of ostris/ai-toolkit's run.py (commit 27a03a91, version 0.12.26) for machines with no GPU.

Same command line, environment, console streams, files, resume, stop and UI SQLite protocol as the real
run.py (contract: shared/specs/ai-toolkit.md); the model work is replaced by sleeps and deterministic output.
Simulator controls: ISENGARD_SIM_TIME_SCALE, ISENGARD_SIM_STEP_MS, ISENGARD_SIM_LOAD_MS, ISENGARD_SIM_SAMPLE_MS,
ISENGARD_SIM_GPU_STATE, ISENGARD_SIM_FAULT.
Python 3.11 standard library only.
"""

import atexit
import os
import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the host repository
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from aitk_sim.console import make_streams_unbuffered, print_acc  # noqa: E402

make_streams_unbuffered()


def load_dotenv():
    """python-dotenv's load_dotenv(), limited to a .env beside this file (walking further up would pick up
    the host project's .env); set variables are never overridden; off with PYTHON_DOTENV_DISABLED (1.2.0+)."""
    if os.environ.get("PYTHON_DOTENV_DISABLED", "").casefold() in {"1", "true", "t", "yes", "y"}:
        return
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), ".env")
    if not os.path.isfile(path):
        return
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#") or "=" not in line:
                continue
            key, _, value = line.partition("=")
            key = key.strip()
            if key.startswith("export "):
                key = key[len("export "):].strip()
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            os.environ.setdefault(key, value)


load_dotenv()
os.environ["HF_XET_HIGH_PERFORMANCE"] = os.getenv("HF_XET_HIGH_PERFORMANCE", "1")
os.environ["HF_HUB_DISABLE_XET"] = os.getenv("HF_HUB_DISABLE_XET", "0")
os.environ["NO_ALBUMENTATIONS_UPDATE"] = "1"
os.environ["OPENCV_FFMPEG_LOGLEVEL"] = "-8"
seed = None
if "SEED" in os.environ:
    try:
        seed = int(os.environ["SEED"])
    except ValueError:
        print(f"Invalid SEED value: {os.environ['SEED']}. SEED must be an integer.")
os.environ["DISABLE_TELEMETRY"] = "YES"

if seed is not None:
    import random
    random.seed(seed)

import argparse  # noqa: E402

from aitk_sim.job import get_job  # noqa: E402
from aitk_sim.progress import Tqdm  # noqa: E402

# tqdm bars still open at exit are closed (repainted) by their __del__ when the interpreter goes down
atexit.register(Tqdm.close_all)


def print_end_message(jobs_completed, jobs_failed):
    failure_string = f"{jobs_failed} failure{'' if jobs_failed == 1 else 's'}" if jobs_failed > 0 else ""
    completed_string = f"{jobs_completed} completed job{'' if jobs_completed == 1 else 's'}"
    print_acc("")
    print_acc("========================================")
    print_acc("Result:")
    if len(completed_string) > 0:
        print_acc(f" - {completed_string}")
    if len(failure_string) > 0:
        print_acc(f" - {failure_string}")
    print_acc("========================================")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument(
        'config_file_list',
        nargs='+',
        type=str,
        help='Name of config file (eg: person_v1 for config/person_v1.json/yaml), or full path if it is not in '
             'config folder, you can pass multiple config files and run them all sequentially'
    )
    parser.add_argument('-r', '--recover', action='store_true',
                        help='Continue running additional jobs even if a job fails')
    parser.add_argument('-n', '--name', type=str, default=None,
                        help='Name to replace [name] tag in config file, useful for shared config file')
    # run.py's -l/--log (tee to a file) is left out: the adapter reads the streams; argparse refuses it plainly.
    args = parser.parse_args()

    config_file_list = args.config_file_list
    if len(config_file_list) == 0:
        raise Exception("You must provide at least one config file")

    jobs_completed = 0
    jobs_failed = 0

    print_acc(f"Running {len(config_file_list)} job{'' if len(config_file_list) == 1 else 's'}")

    for config_file in config_file_list:
        try:
            job = get_job(config_file, args.name)
            job.run()
            job.cleanup()
            jobs_completed += 1
        except Exception as e:
            print_acc(f"Error running job: {e}")
            jobs_failed += 1
            try:
                job.process[0].on_error(e)
            except Exception as e2:
                print_acc(f"Error running on_error: {e2}")
            if not args.recover:
                print_end_message(jobs_completed, jobs_failed)
                raise e
        except KeyboardInterrupt as e:
            try:
                job.process[0].on_error(e)
            except Exception as e2:
                print_acc(f"Error running on_error: {e2}")
            if not args.recover:
                print_acc("")
                print_acc("========================================")
                print_acc("Job stopped")
                print_acc("========================================")
                sys.exit(0)


if __name__ == '__main__':
    main()
