"""Runs ai-toolkit's run.py (or its simulator) as `python run.py ...` would, with .env files ignored.

    python launch.py run.py <arguments of run.py ...>

run.py calls python-dotenv's load_dotenv(), which looks for a .env file in run.py's folder and every folder above
it, and would add what it finds there (the host project's own settings, say) to the engine's environment, past the
list of variables the adapter passes on. The adapter sets PYTHON_DOTENV_DISABLED=1, which python-dotenv honours
from version 1.2.0; for older versions this launcher makes load_dotenv do nothing before run.py imports it.
"""

import os
import runpy
import sys


def main() -> None:
    script = sys.argv[1]
    try:
        import dotenv
        import dotenv.main
    except ImportError:
        pass  # the simulator's environment has no python-dotenv
    else:
        def no_dotenv(*_args, **_kwargs):
            return False

        dotenv.load_dotenv = no_dotenv
        dotenv.main.load_dotenv = no_dotenv
    sys.argv = sys.argv[1:]
    sys.path[0] = os.path.dirname(os.path.abspath(script))
    # given as it came, so that sys.argv[0] reads as with `python run.py`
    runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main()
