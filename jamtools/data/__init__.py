"""Data: the data model, loading and validation, with an account of every row left out."""
from jamtools.data.load import (DataValidationError, LoadResult, UNKNOWN_SEX, load_table,
                                sensitive_values)
from jamtools.data.model import TABLES, Column, Table, age_group_bof

__all__ = ["DataValidationError", "LoadResult", "UNKNOWN_SEX", "load_table", "sensitive_values",
           "TABLES", "Column",
           "Table", "age_group_bof"]
