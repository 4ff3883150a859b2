"""The project's named Jupyter kernel, and a warm kernel that is reused across notebooks.

Kernel naming
-------------
Every notebook is executed with ``kernel_name="fgte-research"``, never with whatever kernel the
notebook's metadata names, so papermill cannot pick another Python. The kernel spec lives in
``<sys.prefix>/share/jupyter/kernels/fgte-research`` and its ``argv[0]`` is this environment's
interpreter; :func:`ensure_kernel` installs it (with ipykernel) when it is missing or points
elsewhere, and refuses to run when a spec of the same name earlier on Jupyter's search path (e.g. in
``~/.local/share/jupyter``) would shadow it with another Python.

Warm kernel
-----------
:class:`WarmKernel` starts one IPython kernel and keeps it for many notebooks. Before each notebook
it restores the state captured right after start-up: user namespace (``%reset -f``), open
matplotlib figures, matplotlib rcParams, pandas options, ``sys.path``, ``os.environ``, warning
filters and the working directory. Imported modules stay in ``sys.modules`` — that is the point:
pandas, matplotlib, seaborn and fgte_research are imported once per worker instead of once per
report. Module-level state inside imported libraries (e.g. a monkeypatched function) is not
restored; notebooks must not mutate library modules. After a timeout, a dead kernel, or every
``recycle_after`` notebooks the kernel is restarted from scratch.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ..errors import FgteError

KERNEL_NAME = "fgte-research"
DISPLAY_NAME = "Python (fgte-research)"

#: Modules imported into a warm kernel before its first notebook (missing ones are skipped).
WARM_IMPORTS: tuple[str, ...] = (
    "numpy", "pandas", "matplotlib", "matplotlib.pyplot", "seaborn", "scipy.stats", "statsmodels.api",
    "IPython.display", "fgte_research", "fgte_research.catalogue", "fgte_research.municipalities",
    "fgte_research.panel", "fgte_research.text_sv", "fgte_research.plots", "fgte_research.progression",
    "fgte_research.gaps", "fgte_research.interventions",
)


#: Seconds between looks at whether the kernel still lives while set-up code runs in it.
ALIVE_POLL = 0.5


class KernelSetupError(FgteError, RuntimeError):
    """The project kernel cannot be installed or is shadowed; the message is in Swedish."""


def kernel_dir() -> Path:
    return Path(sys.prefix) / "share" / "jupyter" / "kernels" / KERNEL_NAME


def _is_this_python(executable: str) -> bool:
    """True if ``executable`` is this environment's interpreter (symlinks are *not* resolved: a venv's
    python is a symlink to the base interpreter, which lacks the venv's packages)."""
    exe = Path(os.path.abspath(executable))
    return exe == Path(os.path.abspath(sys.executable)) or exe.parent.parent == Path(os.path.abspath(sys.prefix))


def ensure_kernel(name: str = KERNEL_NAME) -> str:
    """Install the project kernel into sys.prefix if needed; return its name."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    def lookup():
        try:
            return KernelSpecManager().get_kernel_spec(name)
        except NoSuchKernel:
            return None

    spec = lookup()
    if spec is not None and _is_this_python(spec.argv[0]):
        return name
    if spec is not None and Path(spec.resource_dir).resolve() != kernel_dir().resolve():
        raise KernelSetupError(
            f"Jupyter-kärnan {name!r} i {spec.resource_dir} startar {spec.argv[0]}, inte projektets Python "
            f"({sys.executable}), och skymmer projektets kärna. Ta bort den med "
            f"`jupyter kernelspec remove {name}` och kör igen.")
    from ipykernel.kernelspec import install

    install(kernel_name=name, display_name=DISPLAY_NAME, prefix=sys.prefix)
    spec = lookup()
    if spec is None or not _is_this_python(spec.argv[0]):
        raise KernelSetupError(f"kunde inte installera Jupyter-kärnan {name!r} i {kernel_dir()}")
    return name


# ------------------------------------------------------------------------------------------------
# Code run inside the warm kernel. Underscored names live in a private module, not the user namespace.
_SNAPSHOT = r"""
def _fgte_snapshot():
    import sys, os, types, warnings, importlib
    for _m in {imports!r}:
        try:
            importlib.import_module(_m)
        except Exception:
            pass
    state = types.ModuleType("_fgte_warm_state")
    state.cwd = os.getcwd()
    state.path = list(sys.path)
    state.env = dict(os.environ)
    state.filters = list(warnings.filters)
    state.rc = None
    if "matplotlib" in sys.modules:
        import matplotlib
        state.rc = {{k: v for k, v in matplotlib.rcParams.items()}}
    state.pd = None
    if "pandas" in sys.modules:
        import pandas as pd
        state.pd = {{}}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for key in list(pd._config.config._registered_options):
                if key in pd._config.config._deprecated_options:
                    continue
                try:
                    state.pd[key] = pd.get_option(key)
                except Exception:
                    pass
    sys.modules["_fgte_warm_state"] = state
    # The imported libraries are the kernel's permanent heap: frozen, the garbage collector no longer walks them
    # on every collection (each notebook's reset collects; unfrozen that walk cost ~0.15 s per report).
    import gc
    gc.collect()
    gc.freeze()
_fgte_snapshot()
del _fgte_snapshot
"""

_RESET = r"""
def _fgte_reset(cwd):
    import sys, os, warnings
    state = sys.modules["_fgte_warm_state"]
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
    if state.rc is not None:
        import matplotlib
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            matplotlib.rcParams.update(state.rc)
    if state.pd is not None:
        import pandas as pd
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for key, value in state.pd.items():
                try:
                    if pd.get_option(key) != value:
                        pd.set_option(key, value)
                except Exception:
                    pass
    sys.path[:] = state.path
    os.environ.clear()
    os.environ.update(state.env)
    warnings.filters[:] = state.filters
    os.chdir(cwd)
_fgte_reset({cwd!r})
get_ipython().run_line_magic("reset", "-f")
"""


class WarmKernel:
    """One IPython kernel reused across notebooks, reset between them."""

    def __init__(self, kernel_name: str = KERNEL_NAME, *, imports: tuple[str, ...] = WARM_IMPORTS,
                 startup_timeout: float = 120, recycle_after: int = 100):
        self.kernel_name = kernel_name
        self.imports = tuple(imports)
        self.startup_timeout = startup_timeout
        self.recycle_after = recycle_after
        self.km = None
        self.runs = 0
        self.starts = 0
        self._warmed = False

    # -- lifecycle
    def start(self) -> None:
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        km = AsyncKernelManager(kernel_name=self.kernel_name)
        # An in-memory history: parallel kernels must not contend for one sqlite file.
        run_sync(km.start_kernel)(extra_arguments=["--HistoryManager.hist_file=:memory:"])
        self.km = km
        self.runs = 0
        self.starts += 1
        self._warmed = False  # the heavy imports run on the first prepare(); start() returns at once

    def _warm_up(self) -> None:
        self._run(_SNAPSHOT.format(imports=self.imports), timeout=self.startup_timeout)
        self._warmed = True

    def shutdown(self) -> None:
        if self.km is None:
            return
        from jupyter_core.utils import run_sync

        km, self.km = self.km, None
        try:
            run_sync(km.shutdown_kernel)(now=True)
        except Exception:  # noqa: BLE001 - best effort at exit
            pass

    def restart(self) -> None:
        self.shutdown()
        self.start()

    def alive(self) -> bool:
        if self.km is None:
            return False
        from jupyter_core.utils import run_sync

        try:
            return bool(run_sync(self.km.is_alive)())
        except Exception:  # noqa: BLE001
            return False

    def prepare(self, cwd: Path) -> float:
        """Get a clean kernel for the next notebook, working directory ``cwd``.

        Returns the seconds spent starting and warming up a kernel (0 when it was reused), so that
        a report's time does not include its worker's one-off start-up."""
        import time

        started = time.perf_counter()
        if self.km is None or not self.alive() or self.runs >= self.recycle_after:
            self.restart()
        if not self._warmed:
            self._warm_up()
        overhead = time.perf_counter() - started
        self._run(_RESET.format(cwd=str(cwd)), timeout=60)
        self.runs += 1
        return overhead

    # -- helpers
    def _run(self, code: str, timeout: float) -> None:
        """Run set-up code in the kernel; a kernel that dies meanwhile is noticed within :data:`ALIVE_POLL`
        seconds (RuntimeError), not after ``timeout``."""
        import queue
        import time

        client = self.km.blocking_client()
        client.start_channels()
        try:
            client.wait_for_ready(timeout=self.startup_timeout)
            msg_id = client.execute(code, silent=False, store_history=False, allow_stdin=False)
            deadline = time.monotonic() + timeout
            while True:
                try:
                    reply = client.get_shell_msg(timeout=ALIVE_POLL)
                except queue.Empty:
                    if not self.alive():
                        raise KernelSetupError("den varma kärnan avslutades oväntat under förberedelsen") from None
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"den varma kärnan svarade inte på {timeout:.0f} s") from None
                    continue
                if reply.get("parent_header", {}).get("msg_id") == msg_id:
                    break
            content = reply["content"]
            if content.get("status") != "ok":
                raise KernelSetupError("återställning av den varma kärnan misslyckades:\n"
                                   + "\n".join(content.get("traceback", [])))
        finally:
            client.stop_channels()
