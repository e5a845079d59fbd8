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


def describe(exc: BaseException) -> tuple[int, str]:
    """The exit code and the one sentence for any error that reaches a front end: never
    SQL, parameters, class names or a traceback, whatever the user did to provoke it."""
    from domain.i18n import _

    if isinstance(exc, BBTError):
        return exc.exit_code, str(exc)
    database = _database_sentence(exc)
    if database is not None:
        return 1, database
    if isinstance(exc, OSError):
        return 1, _file_sentence(exc)
    if isinstance(exc, MemoryError):
        return 1, _("There was not enough memory for this; nothing was changed.")
    if isinstance(exc, RecursionError):
        return 1, _("The input is nested too deeply to be read; nothing was changed.")
    return 1, _("BBT stopped on an internal error; nothing was changed.")


def _database_sentence(exc: BaseException) -> str | None:
    from domain.i18n import _

    # SQLAlchemy's wrappers, or the driver's own errors (bulk writes go to the driver).
    driver = type(exc).__module__.split(".")[0] in ("sqlite3", "psycopg")
    wrapped = type(exc).__module__.startswith("sqlalchemy.")
    if not (driver or wrapped):
        return None
    kinds = {cls.__name__ for cls in type(exc).__mro__}
    if "IntegrityError" in kinds:
        return _("Refused: this would duplicate or break a link to an existing record.")
    if "DataError" in kinds:
        return _("Refused: a value is too long, out of range or not allowed; nothing was "
                 "changed.")
    reason = str(getattr(exc, "orig", None) or exc).lower()
    if "OperationalError" in kinds:
        if "locked" in reason or "busy" in reason:
            return _("The database is busy with another user's change; nothing was changed, "
                     "try again in a moment.")
        if "full" in reason or "disk i/o" in reason or "no space" in reason:
            return _("The disk is full; nothing was changed.")
        if "connect" in reason or "unable to open" in reason:
            return _("The database cannot be reached; check the address and that the server "
                     "is running.")
    return _("The database refused the change; nothing was changed.")


def _file_sentence(exc: OSError) -> str:
    import errno

    from domain.i18n import _

    if exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
        return _("The disk is full or the file too large; nothing was written.")
    return _("File error: {reason} ({path}).").format(
        reason=exc.strerror or _("cannot be used"), path=getattr(exc, "filename", "") or "")
