"""Names of the domain's codes (roles, kinds, statuses) as users read them."""

from __future__ import annotations

from bbt_tui.text import N_
from domain.i18n import _

ROLE_LABELS = {
    "admin": N_("Administrator"),
    "operator": N_("Document clerk"),
    "editor": N_("Editor"),
    "clerk": N_("Unit clerk"),
    "viewer": N_("Viewer"),
}

UNIT_KIND_LABELS = {
    "committee": N_("Party committee"),
    "office": N_("Office"),
    "board": N_("Board"),
    "grassroots": N_("Grassroots organisation"),
    "government": N_("Government body"),
    "other": N_("Other"),
}

ACCOUNT_STATUS_LABELS = {
    "active": N_("active"),
    "locked": N_("locked"),
    "disabled": N_("disabled"),
}


def label(table: dict[str, str], code: str | None) -> str:
    """The translated name of a code; the code itself when it has none."""
    if code is None:
        return ""
    return _(table[code]) if code in table else code


def options(table: dict[str, str]) -> list[tuple[str, str]]:
    """(label, code) pairs for a Select."""
    return [(_(text), code) for code, text in table.items()]

DIRECTION_LABELS = {"outgoing": N_("outgoing"), "incoming": N_("incoming")}

URGENCY_LABELS = {
    "normal": N_("normal"),
    "urgent": N_("urgent"),
    "very_urgent": N_("very urgent"),
    "flash": N_("flash"),
}

PURPOSE_LABELS = {
    "report": N_("to report (b/c)"),
    "act": N_("to carry out"),
    "inform": N_("to know"),
    "coordinate": N_("to coordinate"),
}

DELIVERY_STATUS_LABELS = {
    "sent": N_("sent"),
    "received": N_("received"),
    "done": N_("done"),
    "returned": N_("returned"),
}

# Every action the domain writes to the audit log (tests/test_tui_clerk.py finds them all in
# the domain's source), as the audit screen shows it.
AUDIT_ACTION_LABELS = {
    "audit.genesis": N_("audit log opened"),
    "init.demo": N_("demo data loaded"),
    "db.copy": N_("database copied"),
    "settings.set": N_("setting changed"),
    "subsystem.add": N_("subsystem added"),
    "trust.add_root": N_("trusted root certificate added"),
    "import": N_("data imported"),
    "unit.add": N_("unit added"),
    "unit.update": N_("unit changed"),
    "unit.set_term": N_("term start set"),
    "account.add": N_("account added"),
    "account.update": N_("account changed"),
    "account.lock": N_("account locked"),
    "account.unlock": N_("account unlocked"),
    "account.lockout": N_("locked after failed logins"),
    "account.lock_expired": N_("lockout expired"),
    "account.reset_password": N_("password reset"),
    "account.change_password": N_("password changed"),
    "account.recover": N_("administrator account recovered"),
    "training.add": N_("training recorded"),
    "key.create": N_("signing key created"),
    "key.revoke": N_("signing key revoked"),
    "document.issue": N_("outgoing document registered"),
    "document.receive": N_("incoming document registered"),
    "document.send": N_("document sent to units"),
    "document.view": N_("document opened"),
    "document.download": N_("document file saved"),
    "document.attach": N_("file attached to a document"),
    "document.sign": N_("document sealed"),
    "document.verify": N_("document signatures checked"),
    "document.withdraw": N_("document withdrawn"),
    "document.remind": N_("reminder letter sent"),
    "delivery.ack": N_("receipt acknowledged"),
    "delivery.done": N_("delivery marked done"),
    "delivery.return": N_("delivery returned"),
    "delivery.forward": N_("delivery forwarded"),
    "register.close": N_("register closed"),
    "register.reopen": N_("register reopened"),
    "register.print": N_("register printed"),
    "report.text": N_("report text edited"),
    "report.register": N_("report registered"),
    "dataentry.set": N_("data entry status set"),
    "visits.set": N_("visitor figures set"),
    "article.add": N_("article recorded"),
    "article.edit": N_("article edited"),
    "article.review": N_("article taken for editing"),
    "article.approve": N_("article approved"),
    "article.publish": N_("article published"),
    "article.reject": N_("article rejected"),
    "article.sync_feed": N_("website feed read"),
    "royalty.rate": N_("royalty rate set"),
    "royalty.approve": N_("royalty sheet approved"),
    "royalty.paid": N_("royalties paid"),
}

# The names of an audit entry's detail fields (others are shown as they are written).
AUDIT_DETAIL_LABELS = {
    "title": N_("Title"), "date": N_("Date"), "year": N_("Year"), "due": N_("Due"),
    "note": N_("Note"),
    "reason": N_("Reason"), "units": N_("Units"), "unit": N_("Unit"),
    "purpose": N_("Purpose"), "status": N_("Status"), "source": N_("From unit"),
    "from": N_("From"), "to": N_("To"), "role": N_("Role"), "name": N_("Name"),
    "kind": N_("Kind"), "period": N_("Period"), "attachment": N_("Attachment"),
    "incoming_number": N_("Incoming number"), "value": N_("Value"), "author": N_("Author"),
}
