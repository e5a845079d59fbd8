"""Column headers in the user's language (SPEC 7.4, issue 15): every CLI table and every
CSV/XLSX export names its columns by English codes (the keys of `--json` and of imports), and
shows the header of this table for each, Vietnamese by default, English with BBT_LANG=en.

Imports accept a column by its code and by its header in either language, so a file exported
in Vietnamese (or in English) is read back as it is. A code not in the table (a period such
as 2022-Q1 heading a column) is its own header.
"""

from __future__ import annotations

from collections.abc import Iterable

from domain.i18n import N_, _, in_language

LABELS: dict[str, str] = {
    # units, accounts, settings
    "code": N_("Code"),
    "name": N_("Name"),
    "kind": N_("Kind"),
    "parent": N_("Parent"),
    "active": N_("Active"),
    "term_start": N_("Term start"),
    "unit": N_("Unit"),
    "username": N_("Username"),
    "full_name": N_("Full name"),
    "role": N_("Role"),
    "status": N_("Status"),
    "setting": N_("Setting"),
    "value": N_("Value"),
    # documents and deliveries
    "number": N_("Number"),
    "type": N_("Type"),
    "issuer": N_("Issuing body"),
    "date": N_("Date"),
    "title": N_("Title"),
    "direction": N_("Direction"),
    "urgency": N_("Urgency"),
    "received_by": N_("Receiving unit"),
    "received_on": N_("Received on"),
    "incoming_number": N_("Incoming number"),
    "purpose": N_("Purpose"),
    "due": N_("Due"),
    "sent": N_("Sent"),
    "done": N_("Done"),
    "late": N_("Late"),
    "overdue": N_("Overdue"),
    "open_due": N_("Open with a due date"),
    "unacknowledged": N_("Not acknowledged"),
    # articles, statistics, royalties
    "id": N_("No."),
    "author": N_("Author"),
    "photos": N_("Photos"),
    "submitted": N_("Submitted"),
    "published": N_("Published"),
    "articles_published": N_("Articles published"),
    "url": N_("Link"),
    "days_waiting": N_("Days waiting"),
    "quota": N_("Quota"),
    "silent": N_("Sent nothing"),
    "month": N_("Month"),
    "news": N_("News"),
    "features": N_("Features"),
    "slogans": N_("Slogans"),
    "documents": N_("Posted documents"),
    "visitors": N_("Visitors"),
    "cumulative": N_("Running total"),
    "docs_issued": N_("Documents issued"),
    "docs_received": N_("Documents received"),
    "deliveries_overdue": N_("Overdue deliveries"),
    "rate": N_("Rate (đồng)"),
    "amount": N_("Amount"),
    "total": N_("Total"),
    "approved_by": N_("Approved by"),
    "paid_by": N_("Paid by"),
    "from": N_("From"),
    "to": N_("To"),
    "field": N_("Field"),
    "note": N_("Note"),
    # data entry, trainings, audit, files, keys, trust
    "subsystem": N_("Subsystem"),
    "period": N_("Period"),
    "topic": N_("Topic"),
    "units": N_("Units"),
    "at": N_("When"),
    "actor": N_("Done by"),
    "account": N_("Account"),
    "action": N_("Action"),
    "key": N_("Record"),
    "file_type": N_("File type"),
    "size": N_("Size (bytes)"),
    "sha256": N_("SHA-256 hash"),
    "fingerprint": N_("Fingerprint"),
    "created_at": N_("Created"),
    "revoked_at": N_("Revoked"),
    "subject": N_("Certificate subject"),
    "not_after": N_("Valid until"),
}


def label(code: str) -> str:
    """The header of a column in the user's language."""
    message = LABELS.get(code)
    return _(message) if message else code


def labels(codes: Iterable[str]) -> list[str]:
    return [label(code) for code in codes]


def every_label(code: str) -> tuple[str, ...]:
    """The column's headers in every language BBT writes: what an import reads back."""
    message = LABELS.get(code)
    if message is None:
        return ()
    return tuple(dict.fromkeys(in_language(lang, message) for lang in ("vi", "en")))
