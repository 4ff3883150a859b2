"""`fgte report`: render run specifications of parameterised notebooks to self-contained HTML.

    from fgte_research.publish import render
    result = render("params/runs/fgte_annual.yaml", jobs=2)
    result.index_path, result.failed, result.exit_code

Modules: ``runspec/`` (``schema`` → ``checks`` → ``planning``: read, validate, expand into jobs), ``runner``
(render, cli_report, the ``fgte report`` arguments), ``execute``
(worker side: papermill, fresh or warm kernel), ``kernel`` (named kernel, warm kernel), ``html``
(nbconvert export, titles, variants), ``index`` (index.html for readers, korlogg.html for the run log),
``cache`` (keys, manifest).
"""

from .kernel import KERNEL_NAME, ensure_kernel
from .runner import ReportResult, RunResult, cli_report, data_info, render
from .runspec import DataInfo, Job, ReportSpec, RunSpec, RunSpecError, load_runspec, plan

__all__ = [
    "render", "cli_report", "RunResult", "ReportResult", "RunSpec", "ReportSpec", "RunSpecError",
    "load_runspec", "plan", "data_info", "DataInfo", "Job", "KERNEL_NAME", "ensure_kernel",
]
