"""`huntbook install` writes a kernelspec that Jupyter's own KernelSpecManager finds, for
each destination Jupyter users know: --user (honouring JUPYTER_DATA_DIR), --sys-prefix
(the active virtual environment) and --prefix DIR."""

import json
import os
import subprocess

import pytest
from jupyter_client.kernelspec import KernelSpecManager

from conftest import huntbook_bin


def install(*args, env=None):
    return subprocess.run([str(huntbook_bin()), "install", *args], capture_output=True, text=True, env=env)


def test_user_install_honours_jupyter_data_dir(tmp_path):
    env = {**os.environ, "JUPYTER_DATA_DIR": str(tmp_path / "data")}
    result = install("--user", env=env)
    assert result.returncode == 0, result.stderr
    spec_dir = tmp_path / "data" / "kernels" / "huntbook"
    spec = json.loads((spec_dir / "kernel.json").read_text())
    assert spec["argv"][0] == str(huntbook_bin().resolve())
    assert spec["argv"][1:] == ["kernel", "--connection-file", "{connection_file}"]
    assert (spec_dir / "logo-32x32.png").read_bytes().startswith(b"\x89PNG")
    ksm = KernelSpecManager(kernel_dirs=[str(tmp_path / "data" / "kernels")])
    found = ksm.get_kernel_spec("huntbook")
    assert found.display_name == "Huntbook"
    assert found.interrupt_mode == "message"
    assert found.language == "huntbook"


def test_sys_prefix_install_goes_into_the_virtualenv(tmp_path):
    env = {**os.environ, "VIRTUAL_ENV": str(tmp_path / "venv")}
    env.pop("CONDA_PREFIX", None)
    result = install("--sys-prefix", env=env)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "venv" / "share" / "jupyter" / "kernels" / "huntbook" / "kernel.json").is_file()


def test_sys_prefix_without_an_environment_is_a_clear_error(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "CONDA_PREFIX")}
    result = install("--sys-prefix", env=env)
    assert result.returncode == 2
    assert "--sys-prefix needs an active Python environment" in result.stderr


@pytest.mark.parametrize("args", [["--user", "--prefix", "x"], ["--bogus"], ["--prefix"]])
def test_bad_install_options_are_refused(args):
    result = install(*args)
    assert result.returncode == 2
    assert result.stderr.startswith("huntbook: ")
