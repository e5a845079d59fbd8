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
