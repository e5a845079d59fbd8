from sqlmodel import Field, SQLModel


class Setting(SQLModel, table=True):
    key: str = Field(primary_key=True, max_length=80)
    value: str = ""


class ReportText(SQLModel, table=True):
    """Sections II and III of a status report: text the board writes, kept per period."""

    __tablename__ = "report_text"
    kind: str = Field(primary_key=True, max_length=20)  # monthly, half-year, annual
    period: str = Field(primary_key=True, max_length=10)  # 2022-06, 2022-H1, 2022
    section: str = Field(primary_key=True, max_length=20)  # assessment, tasks
    text: str = ""
