"""Errors the domain raises. Each carries one sentence meant for the operator."""


class BBTError(Exception):
    """A refusal: bad input, a rule of the domain, a failed verification (exit code 1)."""

    exit_code = 1


class NotFound(BBTError):
    pass


class Conflict(BBTError):
    """Somebody else changed the record first; nothing was overwritten."""


class AuthError(BBTError):
    """Not authenticated, or not allowed for this role (exit code 3)."""

    exit_code = 3
