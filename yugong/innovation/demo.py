"""Innovation demo (run by ``manage.py seed_demo`` after accounts, orgs and members): two studios
(one rated 区县级 with a 市级 application waiting at the city, with members and a result), the demo
worker 张师傅's 五小 proposals at every step (submitted, under review, adopted and rewarded, not
adopted; the reward paid from 解放碑百货工会's 职工技术创新奖励 budget line, approved by the city chair
and waiting for finance's bank batch), an open 揭榜挂帅 challenge for 张师傅 to take up and a completed one his team won.

Everything goes through the services as the demo staff (city_chair, yuzhong_staff) and the demo
worker, so the credits of his adopted proposal, his studio result and his challenge award are in
the credit bank. Idempotent: keyed by the studios' and challenges' names and the proposals' titles."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.timezone import now

from yugong.accounts.models import User
from yugong.funds import services as funds
from yugong.funds.models import BudgetLine
from yugong.members.models import Membership, Person
from yugong.orgs.models import Union

from . import services
from .models import Challenge, Proposal, Studio


def seed(stdout: Any) -> None:
    chair = User.objects.filter(username="city_chair").first()
    district = User.objects.filter(username="yuzhong_staff").first()
    worker = User.objects.filter(username="w_demo_worker").first()
    unions = {u.code: u for u in Union.objects.filter(code__in=["CQ", "CQ-YZ", "CQ-YZ-001", "CQ-JB-001"])}
    me = Person.objects.filter(user=worker).first() if worker else None
    if chair is None or district is None or worker is None or me is None or len(unions) < 4:
        stdout.write(
            "demo innovation: no demo staff, worker or unions (run the accounts, orgs and members demos first)"
        )
        return
    made = (
        _studios(chair, district, unions, me)
        + _proposals(chair, district, worker)
        + _challenges(chair, district, worker, unions)
    )
    stdout.write(f"demo innovation: {made} new studios, proposals and challenges")


def _members(code: str, n: int) -> list[Person]:
    return list(
        Person.objects.filter(
            memberships__union__code=code, memberships__status=Membership.Status.ACTIVE, user__isnull=True
        ).order_by("pk")[:n]
    )


def _studios(chair: User, district: User, u: dict[str, Union], me: Person) -> int:
    made = 0
    if not Studio.objects.filter(union=u["CQ-YZ-001"], name="解放碑百货服务创新工作室").exists():
        lead, *others = _members("CQ-YZ-001", 3)
        s = services.studio_register(
            actor=district,
            union=u["CQ-YZ-001"],
            name="解放碑百货服务创新工作室",
            kind=Studio.Kind.MODEL_WORKER,
            lead_id_number=lead.id_number,
            lead_title="重庆市劳动模范",
            field="商贸服务、顾客体验",
            intro="以劳模领衔，围绕收银、仓储、客服流程开展微创新。",
        )
        for p in [me, *others]:
            services.studio_member_add(actor=district, studio=s, id_number=p.id_number)
        services.studio_result_record(
            actor=district,
            studio=s,
            title="收银台扫码枪磁吸支架",
            kind="process",
            description="磁吸支架防止扫码枪跌落，全店推广后年减少损坏40余把。",
            achieved_on=now().date() - dt.timedelta(days=60),
            benefit_fen=2_400_000,
            contributor_ids=[lead.pk, me.pk],
        )
        year = now().year
        rating = services.rating_apply(
            actor=district, studio=s, level="district", year=year - 1, statement="年度完成创新成果8项。"
        )
        services.rating_decide(actor=district, rating=rating, approve=True, note="同意认定为区级示范工作室")
        services.rating_apply(
            actor=district, studio=s, level="city", year=year, statement="成果在全市商贸系统推广。"
        )
        made += 1
    if not Studio.objects.filter(union=u["CQ-JB-001"], name="长江机械数控工匠工作室").exists():
        lead, member = _members("CQ-JB-001", 2)
        s = services.studio_register(
            actor=chair,
            union=u["CQ-JB-001"],
            name="长江机械数控工匠工作室",
            kind=Studio.Kind.CRAFTSMAN,
            lead_id_number=lead.id_number,
            lead_title="巴渝工匠",
            field="数控加工、工装夹具",
        )
        services.studio_member_add(actor=chair, studio=s, id_number=member.id_number)
        made += 1
    return made


REWARD_LINE = "职工技术创新奖励"  # 解放碑百货工会's line in the funds demo
PROPOSALS = [
    # category, title, problem, solution, what happens
    ("innovation", "仓库货架防倾倒改造", "高层货架存在倾倒隐患。", "加装斜拉杆与地脚锚栓。", "rewarded"),
    ("suggestion", "高峰时段错峰补货", "高峰补货推车堵塞通道。", "补货改在10点前与14点至16点。", "reviewing"),
    ("design", "会员服务台导视重新设计", "顾客找不到服务台。", "在扶梯口增设双语导视牌。", "submitted"),
    ("invention", "自动叠衣板", "叠衣耗时。", "设计折叠板。", "rejected"),
]


def _proposals(chair: User, district: User, worker: User) -> int:
    made = 0
    for category, title, problem, solution, outcome in PROPOSALS:
        if Proposal.objects.filter(title=title).exists():
            continue
        p = services.proposal_submit(
            actor=worker, category=category, title=title, problem=problem, solution=solution
        )
        made += 1
        if outcome == "submitted":
            continue
        if outcome == "rejected":
            services.proposal_reject(actor=district, proposal=p, note="市场已有成熟产品，建议直接采购。")
            continue
        services.proposal_accept(actor=district, proposal=p)
        if outcome == "rewarded":
            services.proposal_adopt(
                actor=district, proposal=p, grade="second", benefit_fen=1_500_000, note="全店推广"
            )
            line = BudgetLine.objects.filter(union=p.union, name=REWARD_LINE, open=True).first()
            if line is not None:  # the funds demo's line of the proposer's union
                p = services.proposal_reward(actor=district, proposal=p, reward_fen=80_000, line_id=line.pk)
                # The city chair approves the request; finance's bank batch (奖金) pays it out.
                funds.commitment_approve_id(actor=chair, commitment_id=int(p.reward_commitment_id or 0))
    return made


def _challenges(chair: User, district: User, worker: User, u: dict[str, Union]) -> int:
    made = 0
    if not Challenge.objects.filter(title="夏季冷链末端温控难题").exists():
        services.challenge_post(
            actor=district,
            union=u["CQ-YZ"],
            title="夏季冷链末端温控难题",
            poster="重庆解放碑百货有限公司",
            problem="夏季生鲜冷链配送最后一公里温度波动超过±4℃，损耗率高。",
            requirements="三个月内提出可落地的改进方案并完成试点。",
            reward_fen=5_000_000,
            signup_deadline=now() + dt.timedelta(days=20),
            due_on=(now() + dt.timedelta(days=120)).date(),
        )
        made += 1
    if not Challenge.objects.filter(title="自动扶梯异响快速定位").exists():
        c = services.challenge_post(
            actor=chair,
            union=u["CQ"],
            title="自动扶梯异响快速定位",
            poster="重庆市总工会",
            problem="商场扶梯异响排查平均耗时4小时。",
            requirements="给出1小时内定位的方法。",
            reward_fen=2_000_000,
            signup_deadline=now() + dt.timedelta(days=1),
            due_on=(now() + dt.timedelta(days=60)).date(),
            max_team_size=5,
        )
        team = services.team_signup(
            actor=worker, challenge=c, name="百货设备攻关组", plan="声纹采集加频谱比对。"
        )
        services.team_select(actor=chair, challenge=c, team_id=team.pk)
        m = services.milestone_add(actor=chair, challenge=c, title="声纹样本库建成", due_on=c.due_on)
        services.milestone_done(actor=chair, challenge=c, milestone_id=m.pk, note="采集样本320条")
        services.challenge_complete(
            actor=chair,
            challenge=c,
            result="形成“听、测、比”三步定位法，平均定位时间降至40分钟。",
            award_fen=2_000_000,
        )
        made += 1
    return made
