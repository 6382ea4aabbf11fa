"""jamtools: sex-disaggregated statistics done right, for gender-equality analysis in social services.

The flow is one-directional: ``data`` (load, validate, pseudonymise) -> ``stats`` (aggregate
first, then estimates with intervals) -> ``disclosure`` (suppress what could identify a person)
-> ``plots`` / ``report`` (figures, tables and Swedish sentences). ``runner`` executes the
question notebooks with papermill and builds the book.
"""

__version__ = "0.1.0"

#: The column that holds sex in every table of the data model.
SEX = "kon"
#: Canonical values of ``kon``: adults and children.
SEXES_ADULT = ("kvinna", "man")
SEXES_CHILD = ("flicka", "pojke")
