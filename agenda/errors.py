"""The one exception type that the CLI turns into a single line on stderr and exit status 2."""


class AgendaError(Exception):
    """Bad input from the user: a codebook, corpus or option that cannot be used as given."""
