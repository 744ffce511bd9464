"""Fuzzing the voice browser: atheris targets (``fuzz/targets``), the runner (``fuzz/run.py``)
and the robustness report it writes (``fuzz/REPORT.md``)."""
