"""SQLModel tables of the whole BBT domain. Pure data: no UI library is imported here."""

from models import search_index  # noqa: E402,F401  (the full-text index follows its tables)
from models.accounts import ACCOUNT_STATUSES, ROLES, Account, SigningKey
from models.articles import ARTICLE_KINDS, ARTICLE_STATUSES, Article, ArticleEvent, Visit
from models.audit import AuditEntry, AuditHead
from models.base import as_utc, utcnow
from models.board import (
    ROYALTY_KINDS,
    FeedSync,
    ReminderUnit,
    RoyaltyRate,
    RoyaltySheet,
    Subsystem,
)
from models.dataentry import DATAENTRY_STATUSES, DataEntry
from models.documents import (
    DELIVERY_STATUSES,
    DIRECTIONS,
    DOCUMENT_STATUSES,
    PURPOSES,
    URGENCIES,
    Attachment,
    Delivery,
    Document,
    RegisterCounter,
)
from models.files import DocumentFile, DocumentText, LegalSignature, TrustRoot
from models.registers import RegisterClosure
from models.reports import ReportSnapshot
from models.settings import ReportText, Setting
from models.units import PARTY_KINDS, UNIT_KINDS, Training, TrainingUnit, Unit

__all__ = [
    "ACCOUNT_STATUSES", "ARTICLE_KINDS", "ARTICLE_STATUSES", "DATAENTRY_STATUSES",
    "DELIVERY_STATUSES", "DIRECTIONS", "DOCUMENT_STATUSES", "PARTY_KINDS", "PURPOSES", "ROLES", "UNIT_KINDS",
    "URGENCIES", "Account", "Article", "ArticleEvent", "Attachment", "AuditEntry", "AuditHead",
    "DataEntry", "Delivery", "Document", "DocumentFile", "DocumentText", "LegalSignature",
    "RegisterClosure", "RegisterCounter", "ReportSnapshot", "ReportText", "Setting", "SigningKey",
    "Training", "TrainingUnit", "TrustRoot", "Unit", "Visit", "as_utc", "utcnow",
    "ROYALTY_KINDS", "FeedSync", "ReminderUnit", "RoyaltyRate", "RoyaltySheet", "Subsystem",
]
