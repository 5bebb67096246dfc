"""Every table, imported here so Alembic's autogenerate and `db.create_all` see them all."""

from feedback.models.dossiers import Dossier
from feedback.models.ops import AuditEvent, MailMessage
from feedback.models.org import Counter, Procedure, Unit
from feedback.models.petitions import (
    CalendarDay,
    Petition,
    PetitionAttachment,
    PetitionEvent,
    ReplyTemplate,
    SlaProfile,
)
from feedback.models.reports import (
    IssuedReport,
    IssuedReportFile,
    MailAttachment,
    ReportSchedule,
)
from feedback.models.survey import Answer, Response
from feedback.models.tally import ProcedureFamily, Tally, TallyState
from feedback.models.users import ApiToken, User

__all__ = ["Answer", "ApiToken", "AuditEvent", "CalendarDay", "Counter", "Dossier",
           "IssuedReport", "IssuedReportFile", "MailAttachment", "MailMessage", "Petition",
           "PetitionAttachment", "PetitionEvent", "Procedure", "ProcedureFamily",
           "ReplyTemplate", "ReportSchedule", "Response", "SlaProfile", "Tally", "TallyState",
           "Unit", "User"]
