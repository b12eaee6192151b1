"""The `rightful` command starts quickly: loading it pulls in no service a command may not
need (packaging, incidents, data map parsing, the web layer); each command loads its own."""

from __future__ import annotations

import json
import subprocess
import sys

# Modules that once made every command, even `--help`, take 1.5 s instead of 0.7 s here.
LOADED_ON_DEMAND = (
    "rightful.services.packaging",
    "rightful.services.incidents",
    "rightful.services.incident_jobs",
    "rightful.services.verification",
    "rightful.services.demo",
    "rightful.services.datamap_check",
    "rightful.adapters.datamap.fides_yaml",
    "rightful.bootstrap_web",
    "fideslang",
    "fastapi",
    "jwt",
)


def test_loading_the_cli_loads_no_service_before_a_command_needs_it() -> None:
    probe = (
        "import json, sys; import rightful.entrypoints.cli.main; "
        "print(json.dumps(sorted(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    loaded = set(json.loads(out.stdout))
    assert [m for m in LOADED_ON_DEMAND if m in loaded] == []


def test_a_command_loads_what_it_needs_when_it_runs() -> None:
    probe = (
        "import sys; from rightful.entrypoints.cli.main import app; "
        "from rightful.demo.estate import DATAMAP_FILES; "
        "sys.argv = ['rightful', 'datamap', 'check', *map(str, DATAMAP_FILES)]; app()"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.rstrip().endswith("ok")


def test_ctrl_c_while_the_commands_load_ends_as_during_a_command() -> None:
    """The interrupt came before Click could catch it and printed a traceback of the imports;
    during a command Click says "Aborted!" and exits 1."""
    probe = (
        "import sys\n"
        "class Interrupted:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'rightful.entrypoints.cli.main':\n"
        "            raise KeyboardInterrupt\n"
        "sys.meta_path.insert(0, Interrupted())\n"
        "from rightful.entrypoints.cli.run import main\n"
        "main()\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert (out.returncode, out.stderr) == (1, "\nAborted!\n")


def test_the_console_script_runs_the_commands() -> None:
    probe = (
        "import sys; sys.argv = ['rightful', '--help']; "
        "from rightful.entrypoints.cli.run import main; main()"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "Fulfil data subject requests" in out.stdout
