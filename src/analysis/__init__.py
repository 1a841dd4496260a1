"""The subject of the brief: China–North Korea relations.

Data loading and validation (`data`), the point-in-time view, computations by topic,
the Altair house theme and chart builders (`charts`), sentence builders (`narrative`),
and the notebook output protocol (`emit`). Knows nothing of papermill, pandoc or Quarto.
"""
