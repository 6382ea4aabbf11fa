"""jamtools: sex-disaggregated statistics done right, for gender-equality analysis in social services.

The flow is one-directional, one package per step (an import-linter contract in pyproject.toml
keeps every arrow pointing down):

``data`` (the data model, readers, row checks, derivations, pseudonymisation)
-> ``stats`` (aggregate first, then estimates with intervals)
-> ``disclosure`` (suppress what could identify a person)
-> ``present`` (labels, number formats, sentences, tables, figures, the page object)
-> ``chapters`` (one module per question family: each chapter's composition)
-> ``run`` (parameters, configuration, the chapter catalogue, the runner, leak scan, CLI).

The sex constants live once, in :mod:`jamtools.data.model` (``SEX``, ``ADULT_SEXES``,
``CHILD_SEXES``, ``PARENT_SEXES``, ``UNKNOWN_SEX``).
"""

__version__ = "0.1.0"
