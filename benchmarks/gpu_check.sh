#!/usr/bin/env bash
# The GPU check: on a CUDA machine, runs every GPU path of the full study once and prints PASS/FAIL per
# path with its seconds, in about 10 minutes (after `make install-gpu` with a CUDA torch):
#   1. CUDA and faiss-gpu visible;
#   2. the GPU search unit tests (faiss-gpu exact search equals the CPU's);
#   3. the full study's rehearsal (config/xor_tydi.yaml + config/rehearsal.yaml, tiny models) on the GPU
#      with the full study's precisions: fp16 training with GradScaler, fp16 encoding on torch, faiss-gpu
#      search (generation and back-translation run on the GPU with the precision their rules resolve);
#   4. the GPU encoding benchmark (mBERT-shaped encoder, fp16 and bf16 against sentence-transformers).
# Outputs and logs go to $GPU_CHECK (default gpu_check/). Exit status 1 if any path failed.
#     benchmarks/gpu_check.sh
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${GPU_CHECK:-gpu_check}
PY=${PYTHON:-.venv/bin/python}
CORES=${CORES:-8}
rm -rf "$OUT" && mkdir -p "$OUT"
failed=0

check() {  # check NAME COMMAND...: run it, log to $OUT/NAME.log, print PASS/FAIL and seconds
    local name=$1 start=$SECONDS
    shift
    if "$@" >"$OUT/$name.log" 2>&1; then
        echo "PASS $name ($((SECONDS - start)) s)"
    else
        echo "FAIL $name ($((SECONDS - start)) s; see $OUT/$name.log)"
        failed=1
    fi
}

check cuda "$PY" -c "import torch; assert torch.cuda.is_available(), 'torch sees no CUDA device'; print(torch.__version__, torch.cuda.get_device_name(0))"
if [ "$failed" = 1 ]; then
    echo "no CUDA device: nothing else to check" >&2
    exit 1
fi
check faiss-gpu "$PY" -c "import faiss; n = faiss.get_num_gpus(); assert n > 0, 'faiss sees no GPU (make install-gpu)'; print(faiss.__version__, n)"
check gpu-search-tests "$PY" -m pytest -q -p no:cacheprovider tests/unit/test_search.py
check rehearsal-inputs "$PY" -m tests.rehearsal.build_inputs "$OUT/rehearsal/inputs"
# the full study's GPU settings back on top of the rehearsal's CPU ones
cat >"$OUT/gpu.yaml" <<'YAML'
retriever_training: {precision: fp16}
encoding: {precision: fp16, backend: torch}
search: {use_gpu: true}
YAML
check rehearsal-gpu bash -c "cd '$OUT/rehearsal' && '$PWD/$PY' -m snakemake --snakefile '$PWD/Snakefile' \
    --configfile '$PWD/config/xor_tydi.yaml' '$PWD/config/rehearsal.yaml' '$(realpath "$OUT")/gpu.yaml' \
    --workflow-profile '$PWD/profiles/local' --cores $CORES --resources gpu=1"
check gpu-encoding-benchmark "$PY" benchmarks/bench_gpu_encoding.py
tail -n 1 "$OUT/gpu-encoding-benchmark.log"
exit $failed
