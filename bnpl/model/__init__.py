"""Training of the credit model (`bnpl model train`): dataset, fit, metrics, artefact, card.

Training needs the `model` extra (LightGBM, scikit-learn, NumPy, Matplotlib); serving needs none
of it: `services.scoring` evaluates the JSON artefact this package writes.
"""
