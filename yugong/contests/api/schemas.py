"""Input and output schemas of the contests API (class names unique across the whole API)."""

import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema

# --- Schemas --------------------------------------------------------------------------------


class ContestOut(Schema):
    id: int
    title: str
    organiser_id: int
    organiser_name: str
    status: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    question_count: int
    points_per_question: int
    time_limit_seconds: int
    tries_per_day: int
    score_rule: str
    needs_material: bool
    material_title: str


class MyStatusOut(Schema):
    material_read: bool
    tries_left_today: int
    attempts: int
    score: int | None
    rank: int | None
    open_attempt_id: int | None


class ContestDetailOut(ContestOut):
    description: str
    material_body: str
    material_video: str
    me: MyStatusOut


class QuestionOut(Schema):
    id: int
    kind: str
    stem: str
    options: list[str]


class AttemptOut(Schema):
    id: int
    contest_id: int
    state: str
    started_at: dt.datetime
    deadline: dt.datetime
    seconds_left: int
    resumed: bool
    questions: list[QuestionOut]


class QueuedOut(Schema):
    queued: bool = True
    retry_after: int = Field(..., description="秒：按此时间后带上 ticket 重试")
    position: int = Field(..., description="前面大约还有多少人")
    ticket: str = Field(..., description="排队凭证：重试时放在 X-Queue-Ticket 请求头里，保留排队位置")
    message: str


class AnswersIn(Schema):
    answers: dict[str, str | list[str]] = Field(
        default_factory=dict, description='题目 id → 所选字母，如 {"12": "A", "15": "AC"}'
    )


class ResultOut(Schema):
    attempt_id: int
    state: str
    already_submitted: bool = Field(..., description="true：此前已交卷，返回的是已记录的成绩（不重复计分）")
    correct: int
    total: int
    score: int
    duration_ms: int
    counted_score: int | None
    rank: int | None


class BoardRowOut(Schema):
    rank: int
    user_id: int
    name: str
    score: int
    seconds_used: float


class LeaderboardOut(Schema):
    contest_id: int
    participants: int
    top: list[BoardRowOut]
    my_rank: int | None
    my_score: int | None
    source: str


class UnionRowOut(Schema):
    union_id: int
    name: str
    kind: str
    participants: int
    members: int
    rate: float | None
    average: float | None


class MyEntryOut(Schema):
    contest_id: int
    title: str
    score: int | None
    attempts: int
    scored_at: dt.datetime | None


class ContestIn(Schema):
    organiser_id: int
    bank_id: int
    title: str = Field(..., max_length=120)
    starts_at: dt.datetime
    ends_at: dt.datetime
    question_count: int = Field(10, ge=1, le=200)
    time_limit_seconds: int = Field(600, ge=30, le=10800)
    tries_per_day: int = Field(3, ge=1, le=100)
    score_rule: Literal["best", "latest"] = "best"
    points_per_question: int = Field(10, ge=1, le=100)
    category_weights: dict[str, float] = Field(default_factory=dict)
    description: str = Field("", max_length=5000)
    material_title: str = Field("", max_length=120)
    material_body: str = Field("", max_length=20000)


class BankOut(Schema):
    id: int
    name: str
    union_id: int
    questions: int


class EntryIn(Schema):
    union_id: int
    kind: Literal["individual", "team"]
    person_ids: list[int] = Field(..., max_length=20)
    team_name: str = Field("", max_length=80)


class EntryOut(Schema):
    id: int
    number: str
    kind: str
    union_id: int
    team_name: str
    status: str


class MarkIn(Schema):
    aspect_id: int
    entry_id: int
    value: Decimal = Field(..., ge=0, le=1000)


class MarkOut(Schema):
    id: int
    aspect_id: int
    entry_id: int
    value: Decimal


class ProblemOut(Schema):
    entry_id: int
    aspect_id: int
    reason: str


class ResultRowOut(Schema):
    entry_id: int
    number: str
    kind: str
    score: Decimal
    written: Decimal
    practical: Decimal
    rank: int
    advanced: bool


class CompetitionOut(Schema):
    id: int
    title: str
    organiser_id: int
    level: str
    trades: list[str]
    cross_region: bool
    mode: str
    status: str
    quota_per_union: int


# --- helpers --------------------------------------------------------------------------------
