"""The credit model's server: SageMaker's inference container contract plus the runtime path.

The model artefact is plain JSON (a tree-ensemble dump) evaluated here in pure Python, so the
server needs no training library; `bnpl model train` writes the artefact under `models/`.
"""
