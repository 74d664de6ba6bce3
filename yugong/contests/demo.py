"""Demo contests (run by ``manage.py seed_demo`` after members): the 安康杯 safety knowledge contest
— a 60-question bank, 10 questions in 10 minutes, 3 tries a day, warning-education material first —
and a city skills competition (数控车工) with a preliminary (written test + a practical part of 2
items split into 6 sub-items) and a final. Idempotent: looked up by title."""

from __future__ import annotations

import datetime as dt
from typing import Any

from yugong.core.timeutil import now
from yugong.orgs.models import Union

from .models import Competition, Contest, Question, QuestionBank

BANK_NAME = "安康杯安全生产知识题库"
CONTEST_TITLE = "2026年“安康杯”安全生产知识网络竞赛"
COMPETITION_TITLE = "2026年重庆市职工职业技能大赛·数控车工"

# (category, stem, options, answer)
SINGLE = [
    (
        "安全生产法",
        "我国安全生产工作坚持的方针是？",
        ["安全第一、预防为主、综合治理", "效益优先、兼顾安全", "谁主管谁负责", "先生产后安全"],
        "A",
    ),
    (
        "安全生产法",
        "生产经营单位的主要负责人对本单位安全生产工作负有什么责任？",
        ["全面责任", "部分责任", "领导责任", "间接责任"],
        "A",
    ),
    (
        "安全生产法",
        "从业人员发现直接危及人身安全的紧急情况时，有权？",
        ["停止作业或采取应急措施后撤离", "继续作业", "等待领导指示", "自行修复"],
        "A",
    ),
    (
        "安全生产法",
        "“安康杯”竞赛活动的主办单位之一是？",
        ["中华全国总工会", "国家统计局", "中国人民银行", "国家体育总局"],
        "A",
    ),
    (
        "用电安全",
        "发现有人触电，首先应当？",
        ["迅速切断电源", "直接用手拉开", "泼水降温", "打电话后等待"],
        "A",
    ),
    ("用电安全", "我国规定的一般环境安全电压上限是？", ["36伏", "110伏", "220伏", "380伏"], "A"),
    (
        "用电安全",
        "电气设备着火时，不能使用的灭火器材是？",
        ["泡沫灭火器（水基）", "二氧化碳灭火器", "干粉灭火器", "干沙"],
        "A",
    ),
    ("消防安全", "火灾报警电话是？", ["119", "110", "120", "12351"], "A"),
    ("消防安全", "使用干粉灭火器时，应对准火焰的？", ["根部", "顶部", "中部", "任意位置"], "A"),
    (
        "消防安全",
        "发生火灾逃生时，正确的做法是？",
        ["用湿毛巾捂住口鼻低姿前进", "乘坐电梯", "跳楼", "返回取财物"],
        "A",
    ),
    (
        "有限空间",
        "有限空间作业应当遵循的原则是？",
        ["先通风、再检测、后作业", "先作业、后检测", "只检测不通风", "凭经验作业"],
        "A",
    ),
    (
        "有限空间",
        "有限空间作业时，监护人员应当？",
        ["在外全程监护，不得离岗", "进入帮忙作业", "短暂离开", "同时监护多处"],
        "A",
    ),
    (
        "职业健康",
        "职业病防治工作坚持的方针是？",
        ["预防为主、防治结合", "治疗为主", "赔偿为主", "以罚代管"],
        "A",
    ),
    ("职业健康", "噪声作业场所劳动者应当佩戴？", ["护听器", "防尘口罩", "安全带", "绝缘手套"], "A"),
    (
        "职业健康",
        "用人单位应当为从事接触职业病危害作业的劳动者组织？",
        ["上岗前、在岗期间和离岗时职业健康检查", "只在入职时体检", "自愿体检", "不需体检"],
        "A",
    ),
    (
        "应急救护",
        "成人心肺复苏时胸外按压的频率为每分钟？",
        ["100至120次", "60至80次", "40至60次", "150次以上"],
        "A",
    ),
    ("应急救护", "急救电话是？", ["120", "119", "110", "12315"], "A"),
    (
        "高处作业",
        "坠落高度基准面多少米以上有可能坠落的高处作业称为高处作业？",
        ["2米", "1米", "3米", "5米"],
        "A",
    ),
    ("高处作业", "安全带正确的挂法是？", ["高挂低用", "低挂高用", "平挂平用", "随意挂"], "A"),
    ("职工权益", "职工维权服务热线是？", ["12351", "12345", "12315", "12333"], "A"),
]
MULTIPLE = [
    (
        "有限空间",
        "进入有限空间作业前应当做到？",
        ["办理作业审批", "通风", "检测气体浓度", "单人进入抢时间"],
        "ABC",
    ),
    ("有限空间", "有限空间中常见的危害有？", ["缺氧窒息", "中毒", "燃爆", "晒伤"], "ABC"),
    (
        "消防安全",
        "“四懂四会”中的“四会”包括？",
        ["会报警", "会使用消防器材", "会扑救初起火灾", "会组织疏散逃生"],
        "ABCD",
    ),
    (
        "消防安全",
        "下列属于消防安全“四个能力”的有？",
        ["检查消除火灾隐患能力", "扑救初起火灾能力", "组织疏散逃生能力", "消防宣传教育能力"],
        "ABCD",
    ),
    (
        "用电安全",
        "防止触电的技术措施有？",
        ["保护接地", "安装漏电保护器", "使用安全电压", "湿手操作开关"],
        "ABC",
    ),
    ("职业健康", "常见的个体防护用品有？", ["安全帽", "防尘口罩", "护目镜", "拖鞋"], "ABC"),
    (
        "职业健康",
        "劳动者享有的职业卫生保护权利包括？",
        ["获得职业健康检查", "了解危害因素", "拒绝违章指挥", "无条件加班"],
        "ABC",
    ),
    (
        "安全生产法",
        "从业人员的安全生产义务包括？",
        ["遵章守规、服从管理", "正确佩戴使用劳动防护用品", "接受安全生产教育培训", "发现隐患不报告"],
        "ABC",
    ),
    (
        "安全生产法",
        "生产经营单位的安全生产“三同时”指安全设施与主体工程？",
        ["同时设计", "同时施工", "同时投入生产和使用", "同时拆除"],
        "ABC",
    ),
    (
        "安全生产法",
        "事故调查处理“四不放过”包括？",
        ["原因未查清不放过", "责任人员未处理不放过", "整改措施未落实不放过", "有关人员未受到教育不放过"],
        "ABCD",
    ),
    ("应急救护", "止血的常用方法有？", ["指压止血", "加压包扎止血", "止血带止血", "用泥土敷伤口"], "ABC"),
    (
        "应急救护",
        "发生中暑时应当？",
        ["移到阴凉通风处", "补充淡盐水", "用凉毛巾擦身降温", "继续烈日下作业"],
        "ABC",
    ),
    ("高处作业", "高处作业人员应当？", ["持证上岗", "正确系挂安全带", "酒后不得作业", "抛掷工具材料"], "ABC"),
    ("高处作业", "遇到下列哪些天气应停止露天高处作业？", ["六级以上强风", "暴雨", "雷电", "晴朗无风"], "ABC"),
    (
        "职工权益",
        "户外劳动者服务站点“渝工港湾”提供的服务有？",
        ["冷可取暖", "热可纳凉", "渴可喝水", "免费住宿"],
        "ABC",
    ),
    (
        "职工权益",
        "工会劳动保护监督检查的内容有？",
        ["劳动安全卫生条件", "劳动防护用品发放", "工时与休息休假", "企业广告投放"],
        "ABC",
    ),
    ("消防安全", "疏散通道和安全出口应当？", ["保持畅通", "设置明显标志", "不得上锁堵塞", "堆放货物"], "ABC"),
    (
        "用电安全",
        "下列哪些行为容易引发电气火灾？",
        ["私拉乱接电线", "超负荷用电", "使用劣质插座", "人走断电"],
        "ABC",
    ),
    (
        "有限空间",
        "有限空间发生事故时，正确的救援做法有？",
        ["立即报警", "佩戴防护装备后施救", "持续通风", "盲目进入施救"],
        "ABC",
    ),
    (
        "职业健康",
        "粉尘作业场所应当采取的措施有？",
        ["湿式作业", "密闭抽风除尘", "佩戴防尘口罩", "打开门窗扬尘"],
        "ABC",
    ),
]
TRUE_FALSE = [
    ("个体防护", "安全帽可以代替安全带使用。", "B"),
    ("用电安全", "可以用湿手触摸开关和插座。", "B"),
    ("消防安全", "发生火灾时应乘坐电梯逃生。", "B"),
    ("安全生产法", "从业人员有权拒绝违章指挥和强令冒险作业。", "A"),
    (
        "安全生产法",
        "生产经营单位可以与从业人员订立协议免除其对从业人员因生产安全事故伤亡依法应承担的责任。",
        "B",
    ),
    ("有限空间", "有限空间作业可以用纯氧进行通风换气。", "B"),
    ("有限空间", "未经通风和检测合格，严禁作业人员进入有限空间。", "A"),
    ("职业健康", "劳动者有权了解工作场所产生或可能产生的职业病危害因素。", "A"),
    ("职业健康", "用人单位可以安排未成年工从事接触职业病危害的作业。", "B"),
    ("应急救护", "心肺复苏时，按压深度成人为5至6厘米。", "A"),
    ("应急救护", "烧烫伤后应立即用大量冷水冲洗降温。", "A"),
    ("高处作业", "安全带可以挂在不牢固的物体上。", "B"),
    ("消防安全", "灭火器压力表指针在红色区域时表示压力不足。", "A"),
    ("用电安全", "电气设备检修时，应挂“禁止合闸，有人工作”标示牌。", "A"),
    ("职工权益", "工会有权对建设项目的劳动条件和安全卫生设施提出意见。", "A"),
    ("职工权益", "职工因工作遭受事故伤害，应当依法认定为工伤。", "A"),
    ("安全生产法", "新职工上岗前可以不经过安全生产教育培训。", "B"),
    ("消防安全", "可以在楼道内给电动自行车充电。", "B"),
    ("个体防护", "劳动防护用品应由用人单位免费提供。", "A"),
    ("高处作业", "酒后可以从事登高作业。", "B"),
]

MATERIAL = """【警示教育】某化工企业污水池有限空间作业事故通报

某日，一名工人未办理作业审批、未通风检测即进入污水池清淤，吸入硫化氢当场昏倒；两名同事未佩戴防护装备盲目施救，相继倒下，事故造成3人死亡。

教训：有限空间作业必须“先通风、再检测、后作业”，严禁盲目施救。安全生产，人人有责。"""


def _bank(city: Union) -> QuestionBank:
    bank, created = QuestionBank.objects.get_or_create(
        name=BANK_NAME,
        union=city,
        defaults={"description": "安全生产法、用电、消防、有限空间、职业健康、应急救护"},
    )
    if created or not bank.questions.exists():
        rows = [
            Question(bank=bank, kind="single", stem=s, options=o, answer=a, category=c)
            for c, s, o, a in SINGLE
        ]
        rows += [
            Question(bank=bank, kind="multiple", stem=s, options=o, answer=a, category=c)
            for c, s, o, a in MULTIPLE
        ]
        rows += [
            Question(bank=bank, kind="truefalse", stem=s, options=["正确", "错误"], answer=a, category=c)
            for c, s, a in TRUE_FALSE
        ]
        for i, q in enumerate(rows, start=1):
            q.position = i
            if q.kind != "truefalse":
                # rotate the options so that the right letters vary across the bank
                k = i % len(q.options)
                q.options = q.options[k:] + q.options[:k]
                q.answer = "".join(
                    sorted("ABCDEF"[("ABCDEF".index(ch) - k) % len(q.options)] for ch in q.answer)
                )
        Question.objects.bulk_create(rows)
    return bank


def _contest(city: Union, bank: QuestionBank) -> Contest:
    contest = Contest.objects.filter(title=CONTEST_TITLE).first()
    if contest is None:
        start = now().replace(microsecond=0) - dt.timedelta(days=1)
        contest = Contest.objects.create(
            title=CONTEST_TITLE,
            organiser=city,
            bank=bank,
            description="面向全市职工的安全生产知识网络竞赛。每次随机抽取10道题，限时10分钟，每天可答3次，取最高分。",
            starts_at=start,
            ends_at=start + dt.timedelta(days=90),
            question_count=10,
            time_limit_seconds=600,
            tries_per_day=3,
            score_rule="best",
            category_weights={},
            material_title="有限空间作业事故警示",
            material_body=MATERIAL,
            status="published",
        )
        from .services import contest_members_refresh

        contest_members_refresh(contest=contest)
    return contest


def _competition(city: Union) -> None:
    if Competition.objects.filter(title=COMPETITION_TITLE).exists():
        return
    from .models import Aspect, Item, Stage, SubItem

    comp = Competition.objects.create(
        title=COMPETITION_TITLE,
        organiser=city,
        level="city",
        trades=["数控车工"],
        cross_region=True,
        mode="both",
        team_size=3,
        quota_per_union=6,
        status="registration",
    )
    prelim = Stage.objects.create(
        competition=comp, kind="preliminary", name="初赛", order=1, advance_top_n=10
    )
    final = Stage.objects.create(competition=comp, kind="final", name="决赛", order=2)
    for stage in (prelim, final):
        written = Item.objects.create(stage=stage, name="理论知识", kind="written", weight=30, order=1)
        sub = SubItem.objects.create(item=written, name="理论笔试", order=1)
        Aspect.objects.create(subitem=sub, name="笔试成绩", kind="measurement", max_mark=100, order=1)
        for n, (item_name, subs) in enumerate(
            (
                ("零件加工", ("编程与工艺", "外圆与螺纹加工", "内孔加工")),
                ("装配与检测", ("配合件装配", "尺寸检测", "安全文明生产")),
            ),
            start=2,
        ):
            item = Item.objects.create(stage=stage, name=item_name, kind="practical", weight=35, order=n)
            for k, sub_name in enumerate(subs, start=1):
                si = SubItem.objects.create(item=item, name=sub_name, order=k)
                Aspect.objects.create(
                    subitem=si, name=f"{sub_name}·测量", kind="measurement", max_mark=10, order=1
                )
                Aspect.objects.create(
                    subitem=si, name=f"{sub_name}·评价", kind="judgement", max_mark=5, order=2
                )


def seed(stdout: Any) -> None:
    city = (
        Union.objects.filter(code="CQ").first()
        or Union.objects.filter(parent__isnull=True).order_by("id").first()
    )
    if city is None:
        stdout.write("contests: no union tree, skipped")
        return
    bank = _bank(city)
    _contest(city, bank)
    _competition(city)
    stdout.write(f"contests: {CONTEST_TITLE} ({bank.questions.count()} questions), {COMPETITION_TITLE}")
