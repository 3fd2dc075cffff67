"""Filters for the LOGGING setting."""

import logging


class WarningWithoutTraceback(logging.Filter):
    """Django logs a request it refuses as suspicious (a body too large, too many fields) at
    ERROR with the exception's traceback. Such a request is the sender's mistake, answered
    with a plain 400: it is worth a one-line warning, not a traceback."""

    def filter(self, record):
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.exc_info = record.exc_text = None
        return True
