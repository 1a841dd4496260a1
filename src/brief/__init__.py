"""The machinery: turns the project's sources into published editions.

Parameters in, notebooks executed (with a content-addressed cache), sources assembled by
the built-in engine (pandoc + typst) or real Quarto, editions published atomically, the
archive, list and diff. It knows nothing of the subject: the project names its parameter
model and data checks in `[tool.brief]` of pyproject.toml.
"""
