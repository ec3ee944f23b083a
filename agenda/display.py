"""Tables as text for a reader on a terminal: every row and column, no dtypes, Markdown-style."""

import polars as pl


def render(table: pl.DataFrame, str_lengths: int = 60, width: int = 160) -> str:
    """The whole table as aligned text."""
    with pl.Config(
        tbl_rows=-1,
        tbl_cols=-1,
        tbl_hide_dataframe_shape=True,
        tbl_hide_column_data_types=True,
        fmt_str_lengths=str_lengths,
        tbl_width_chars=width,
        tbl_formatting="ASCII_MARKDOWN",
    ):
        return str(table)
