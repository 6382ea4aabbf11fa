"""Data: the data model, loading and validation, with an account of every row left out."""
from jamtools.data.load import (DataValidationError, LoadResult, MissingColumns, TableNotSupplied,
                                UnusableColumns, UnknownUnit,
                                UNKNOWN_SEX, load_table, load_table_if_present, sensitive_values,
                                table_sources)
from jamtools.data.derive import age_group
from jamtools.data.model import TABLES, Column, Table

__all__ = ["DataValidationError", "LoadResult", "MissingColumns", "TableNotSupplied", "UnusableColumns", "UnknownUnit", "table_sources",
           "load_table_if_present", "UNKNOWN_SEX", "load_table", "sensitive_values",
           "TABLES", "Column",
           "Table", "age_group"]
