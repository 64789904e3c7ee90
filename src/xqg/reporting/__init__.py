"""Reports built from per-query outcomes: Table 1 (``tables``), the k and alpha sweeps (``k_sweep``) and
the robustness analysis (``robustness``). ``outcomes`` holds the shared column contract and helpers."""
