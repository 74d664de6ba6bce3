"""Demo data for rights: ~30 policies with sections, FAQs, a routing rule, and appeals in various
states in the demo unions (orgs.demo). Idempotent: policies by title, appeals by a marker in the
subject."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from yugong.accounts.models import User
from yugong.accounts.system import system_actor
from yugong.core.timeutil import now
from yugong.orgs.models import Union

from . import services
from .models import Appeal, Category, Faq, Policy, RoutingRule

STATE = "国务院"
NPC = "全国人民代表大会常务委员会"
MOHRSS = "人力资源和社会保障部"
ACFTU = "中华全国总工会"
CQ = "重庆市人民政府"
CQFTU = "重庆市总工会"

# title, issuer, number, topic, effective, [(heading, body), ...]
POLICIES: list[tuple[str, str, str, str, str, list[tuple[str, str]]]] = [
    (
        "中华人民共和国劳动法",
        NPC,
        "主席令第28号",
        "rights",
        "1995-01-01",
        [
            (
                "第三条",
                "劳动者享有平等就业和选择职业的权利、取得劳动报酬的权利、休息休假的权利、获得劳动安全卫生保护的权利、接受职业技能培训的权利、享受社会保险和福利的权利、提请劳动争议处理的权利以及法律规定的其他劳动权利。",
            ),
            (
                "第三十六条",
                "国家实行劳动者每日工作时间不超过八小时、平均每周工作时间不超过四十四小时的工时制度。",
            ),
            ("第五十条", "工资应当以货币形式按月支付给劳动者本人。不得克扣或者无故拖欠劳动者的工资。"),
        ],
    ),
    (
        "中华人民共和国劳动合同法",
        NPC,
        "主席令第73号",
        "rights",
        "2008-01-01",
        [
            (
                "第十条",
                "建立劳动关系，应当订立书面劳动合同。已建立劳动关系，未同时订立书面劳动合同的，应当自用工之日起一个月内订立书面劳动合同。",
            ),
            (
                "第八十二条",
                "用人单位自用工之日起超过一个月不满一年未与劳动者订立书面劳动合同的，应当向劳动者每月支付二倍的工资。",
            ),
            ("第四十七条", "经济补偿按劳动者在本单位工作的年限，每满一年支付一个月工资的标准向劳动者支付。"),
            (
                "第八十七条",
                "用人单位违反本法规定解除或者终止劳动合同的，应当依照本法第四十七条规定的经济补偿标准的二倍向劳动者支付赔偿金。",
            ),
        ],
    ),
    (
        "中华人民共和国劳动争议调解仲裁法",
        NPC,
        "主席令第80号",
        "rights",
        "2008-05-01",
        [
            (
                "第十条",
                "发生劳动争议，当事人可以到企业劳动争议调解委员会、依法设立的基层人民调解组织、在乡镇街道设立的具有劳动争议调解职能的组织申请调解。",
            ),
            (
                "第二十七条",
                "劳动争议申请仲裁的时效期间为一年。仲裁时效期间从当事人知道或者应当知道其权利被侵害之日起计算。",
            ),
            ("第五十三条", "劳动争议仲裁不收费。劳动争议仲裁委员会的经费由财政予以保障。"),
        ],
    ),
    (
        "中华人民共和国工会法",
        NPC,
        "主席令第107号",
        "membership",
        "2022-01-01",
        [
            (
                "第三条",
                "在中国境内的企业、事业单位、机关、社会组织中以工资收入为主要生活来源的劳动者，不分民族、种族、性别、职业、宗教信仰、教育程度，都有依法参加和组织工会的权利。",
            ),
            ("第六条", "维护职工合法权益、竭诚服务职工群众是工会的基本职责。"),
            ("第二十二条", "企业、事业单位、社会组织处分职工，工会认为不适当的，有权提出意见。"),
        ],
    ),
    (
        "中华人民共和国社会保险法",
        NPC,
        "主席令第35号",
        "social_insurance",
        "2011-07-01",
        [
            (
                "第四条",
                "中华人民共和国境内的用人单位和个人依法缴纳社会保险费，有权查询缴费记录、个人权益记录。",
            ),
            (
                "第五十八条",
                "用人单位应当自用工之日起三十日内为其职工向社会保险经办机构申请办理社会保险登记。",
            ),
            ("第八十六条", "用人单位未按时足额缴纳社会保险费的，由社会保险费征收机构责令限期缴纳或者补足。"),
        ],
    ),
    (
        "保障农民工工资支付条例",
        STATE,
        "国务院令第724号",
        "rights",
        "2020-05-01",
        [
            ("第三条", "农民工有按时足额获得工资的权利。任何单位和个人不得拖欠农民工工资。"),
            (
                "第十一条",
                "农民工工资应当以货币形式，通过银行转账或者现金支付给农民工本人，不得以实物或者有价证券等其他形式替代。",
            ),
            (
                "第三十条",
                "分包单位对所招用农民工的实名制管理和工资支付负直接责任。施工总承包单位对分包单位劳动用工和工资发放等情况进行监督。",
            ),
        ],
    ),
    (
        "工伤保险条例",
        STATE,
        "国务院令第586号",
        "social_insurance",
        "2011-01-01",
        [
            (
                "第十四条",
                "职工在工作时间和工作场所内，因工作原因受到事故伤害的，应当认定为工伤；患职业病的，应当认定为工伤。",
            ),
            (
                "第十七条",
                "职工发生事故伤害或者被诊断、鉴定为职业病，所在单位应当自事故伤害发生之日起30日内提出工伤认定申请。用人单位未提出的，工伤职工或者其近亲属、工会组织在事故伤害发生之日起1年内，可以直接提出工伤认定申请。",
            ),
        ],
    ),
    (
        "职工带薪年休假条例",
        STATE,
        "国务院令第514号",
        "rights",
        "2008-01-01",
        [
            (
                "第三条",
                "职工累计工作已满1年不满10年的，年休假5天；已满10年不满20年的，年休假10天；已满20年的，年休假15天。",
            ),
            (
                "第五条",
                "单位确因工作需要不能安排职工休年休假的，对职工应休未休的年休假天数，应当按照该职工日工资收入的300%支付年休假工资报酬。",
            ),
        ],
    ),
    (
        "女职工劳动保护特别规定",
        STATE,
        "国务院令第619号",
        "rights",
        "2012-04-28",
        [
            (
                "第五条",
                "用人单位不得因女职工怀孕、生育、哺乳降低其工资、予以辞退、与其解除劳动或者聘用合同。",
            ),
            ("第七条", "女职工生育享受98天产假，其中产前可以休假15天。"),
        ],
    ),
    (
        "关于维护新就业形态劳动者劳动保障权益的指导意见",
        MOHRSS,
        "人社部发〔2021〕56号",
        "new_forms",
        "2021-07-16",
        [
            (
                "一",
                "平台企业采取合作用工方式组织劳动者完成平台工作的，应当依法合规选择合作企业并督促其履行劳动者权益保障义务。",
            ),
            (
                "二",
                "督促企业制定修订平台进入退出、订单分配、计件单价、抽成比例、报酬构成及支付、工作时间、奖惩等直接涉及劳动者权益的制度规则和平台算法，充分听取工会或劳动者代表的意见建议。",
            ),
            (
                "三",
                "强化职业伤害保障，以出行、外卖、即时配送、同城货运等行业的平台企业为重点，组织开展平台灵活就业人员职业伤害保障试点。",
            ),
        ],
    ),
    (
        "新就业形态劳动者休息和劳动报酬权益保障指引",
        MOHRSS,
        "人社厅发〔2023〕50号",
        "new_forms",
        "2023-11-08",
        [
            (
                "休息",
                "企业应当科学确定劳动者工作量和劳动强度。劳动者连续工作超过4小时的，企业应当设置不少于20分钟的工作间休息时间。",
            ),
            ("报酬", "企业向提供正常劳动的劳动者支付的劳动报酬不得低于当地最低工资标准。"),
        ],
    ),
    (
        "新就业形态劳动者劳动规则公示指引",
        MOHRSS,
        "人社厅发〔2023〕50号",
        "new_forms",
        "2023-11-08",
        [
            (
                "公示",
                "企业制定修订直接涉及劳动者权益的劳动规则，应当通过公开透明的方式充分听取劳动者、工会或劳动者代表的意见建议。",
            ),
        ],
    ),
    (
        "关于切实维护新就业形态劳动者劳动保障权益的意见",
        ACFTU,
        "总工发〔2021〕12号",
        "new_forms",
        "2021-07-28",
        [
            (
                "入会",
                "积极吸收新就业形态劳动者加入工会，推进快递员、外卖送餐员、网约车司机、货车司机等群体入会。",
            ),
            ("维权", "发挥12351职工服务热线作用，为新就业形态劳动者提供法律咨询、法律援助等服务。"),
        ],
    ),
    (
        "中华全国总工会关于加强工会劳动法律监督工作的意见",
        ACFTU,
        "总工发〔2021〕3号",
        "rights",
        "2021-03-01",
        [
            (
                "监督",
                "工会劳动法律监督员发现用人单位拖欠工资、不签订劳动合同、不缴纳社会保险等违法行为，应当及时提出整改意见。",
            ),
        ],
    ),
    (
        "工会法律援助办法",
        ACFTU,
        "总工发〔2008〕52号",
        "rights",
        "2008-09-01",
        [
            ("第二条", "工会法律援助是指工会组织为维护职工合法权益，为职工和工会组织无偿提供法律服务。"),
            (
                "第十条",
                "职工因劳动合同、工资支付、工伤、社会保险等劳动争议需要法律援助的，可以向工会法律援助机构申请。",
            ),
        ],
    ),
    (
        "重庆市工会劳动法律监督条例",
        "重庆市人民代表大会常务委员会",
        "",
        "rights",
        "2019-01-01",
        [
            ("第六条", "工会劳动法律监督员有权对用人单位遵守劳动法律法规的情况进行监督检查。"),
        ],
    ),
    (
        "重庆市职工权益保障条例",
        "重庆市人民代表大会常务委员会",
        "",
        "rights",
        "2018-06-01",
        [
            (
                "工资",
                "用人单位应当按照劳动合同约定和国家规定，以货币形式按月足额支付职工工资，不得克扣或者无故拖欠。",
            ),
            ("休息", "用人单位安排职工延长工作时间的，应当支付加班工资。"),
        ],
    ),
    (
        "重庆市最低工资标准调整的通知",
        CQ,
        "渝府发〔2024〕1号",
        "rights",
        "2024-04-01",
        [
            ("标准", "第一档月最低工资标准为2100元，第二档为2000元；非全日制工作小时最低工资标准相应调整。"),
        ],
    ),
    (
        "重庆市根治拖欠农民工工资工作实施方案",
        CQ,
        "渝府办发〔2020〕45号",
        "rights",
        "2020-06-01",
        [
            ("工资专户", "在工程建设领域全面推行农民工工资专用账户管理、实名制管理和工资保证金制度。"),
            ("欠薪投诉", "畅通12345、12351等欠薪投诉渠道，做到有诉必接、接诉即办。"),
        ],
    ),
    (
        "重庆市职工基本医疗保险办法",
        CQ,
        "渝府令第350号",
        "social_insurance",
        "2022-01-01",
        [
            (
                "参保",
                "用人单位及其职工应当参加职工基本医疗保险，由用人单位和职工按照规定共同缴纳医疗保险费。",
            ),
        ],
    ),
    (
        "重庆市失业保险条例",
        "重庆市人民代表大会常务委员会",
        "",
        "employment",
        "2019-01-01",
        [
            ("待遇", "失业人员符合条件的，可以申领失业保险金，并享受基本医疗保险待遇。"),
        ],
    ),
    (
        "重庆市就业创业补贴实施办法",
        "重庆市人力资源和社会保障局",
        "渝人社发〔2023〕20号",
        "employment",
        "2023-05-01",
        [
            ("创业担保贷款", "符合条件的个人创业者可申请最高30万元的创业担保贷款，并享受财政贴息。"),
            ("技能提升补贴", "参加失业保险的职工取得职业资格证书或职业技能等级证书的，可申领技能提升补贴。"),
        ],
    ),
    (
        "川渝两地工会职工维权服务协作协议",
        "重庆市总工会 四川省总工会",
        "",
        "rights",
        "2021-06-01",
        [
            (
                "协作",
                "川渝两地工会建立职工维权案件移交、协查和联合调解机制，跨省域劳动争议由用人单位所在地工会牵头办理。",
            ),
            ("热线", "两地12351职工服务热线互转来电，实现诉求登记、转办、反馈闭环。"),
        ],
    ),
    (
        "重庆市“工会+法院+检察院+人社+司法”劳动争议多元化解工作框架协议",
        CQFTU,
        "",
        "rights",
        "2022-03-01",
        [
            ("诉调对接", "工会调解组织受理的劳动争议，经调解达成协议的，当事人可以向人民法院申请司法确认。"),
            ("检察监督", "对涉及欠薪等侵害职工合法权益的案件，工会可以依法移送检察机关支持起诉。"),
        ],
    ),
    (
        "重庆市总工会12351职工维权服务热线工作规范",
        CQFTU,
        "渝工发〔2023〕8号",
        "rights",
        "2023-03-01",
        [
            ("受理", "热线来电实行首问负责制，一般诉求1个工作日内受理，按照属地管理、分级负责原则转办。"),
            ("办结", "一般诉求15个工作日内办结，疑难诉求30个工作日内办结，复杂诉求60个工作日内办结。"),
            ("回访", "诉求办结后应当电话回访，职工不满意的由上一级工会复核。"),
        ],
    ),
    (
        "重庆市总工会会员会籍管理办法",
        CQFTU,
        "渝工发〔2022〕15号",
        "membership",
        "2022-07-01",
        [
            ("入会", "职工可以通过扫码、线上申请或到所在单位工会办理入会手续。"),
            ("转会", "会员工作单位变动的，应当及时办理会员组织关系接转手续，会龄连续计算。"),
        ],
    ),
    (
        "重庆市总工会困难职工帮扶办法",
        CQFTU,
        "渝工发〔2021〕30号",
        "rights",
        "2021-09-01",
        [
            ("对象", "因病、因灾、因意外事故等导致家庭生活困难的职工，可以申请工会帮扶。"),
        ],
    ),
    (
        "职工劳动安全卫生保护指引",
        CQFTU,
        "",
        "rights",
        "2022-05-01",
        [
            ("高温", "用人单位安排劳动者在高温天气下作业的，应当发放高温津贴，并采取防暑降温措施。"),
            ("职业病", "接触职业病危害的劳动者有权获得职业健康检查，检查费用由用人单位承担。"),
        ],
    ),
    (
        "关于加强户外劳动者服务站点建设的意见",
        CQFTU,
        "渝工发〔2022〕20号",
        "new_forms",
        "2022-04-01",
        [
            (
                "服务",
                "渝工港湾为户外劳动者提供冷可取暖、热可纳凉、渴可喝水、急可如厕、累可歇脚、伤可用药等服务。",
            ),
        ],
    ),
    (
        "就业歧视问题处理指引",
        MOHRSS,
        "",
        "employment",
        "2019-02-18",
        [
            (
                "禁止",
                "招聘中不得以民族、种族、性别、宗教信仰等为由实施就业歧视，不得限定性别或将婚育情况作为录用条件。",
            ),
        ],
    ),
]

FAQS = [
    (
        "公司拖欠工资怎么办？",
        "可拨打12351职工维权服务热线或在“我要维权”中提交诉求；也可以向劳动保障监察机构投诉，或申请劳动争议仲裁（时效一年）。",
        "wages",
    ),
    (
        "没有签劳动合同能要求二倍工资吗？",
        "用工超过一个月不满一年未订立书面劳动合同的，可以要求用人单位每月支付二倍工资。",
        "contract",
    ),
    (
        "工伤认定申请的时限是多久？",
        "单位应在事故发生之日起30日内申请；单位未申请的，职工或其近亲属、工会组织可在1年内直接申请。",
        "injury",
    ),
    (
        "外卖骑手发生意外怎么办？",
        "可咨询平台职业伤害保障，并拨打12351求助；工会可协助维权和提供法律援助。",
        "new_forms",
    ),
    (
        "怎样加入工会？",
        "扫描单位工会或区域性、行业性工会联合会的入会二维码，填写信息即可申请入会。",
        "membership",
    ),
]

# (marker, channel, category, employer name, district, union code, target state)
APPEALS = [
    ("[示例1]", "hotline", "wages", "重庆解放碑百货有限公司", "渝中区", "CQ-YZ-001", "pending"),
    ("[示例2]", "h5", "new_forms", "某外卖平台渝中站点", "渝中区", "CQ-YZ-002", "handling"),
    ("[示例3]", "hotline", "contract", "重庆长江机械厂", "江北区", "CQ-JB-001", "waiting"),
    ("[示例4]", "walk_in", "injury", "江北某建筑工地", "江北区", "CQ-JB", "concluded"),
    ("[示例5]", "hotline", "dismissal", "渝中某科技公司", "渝中区", "CQ-YZ", "closed"),
    ("[示例6]", "hotline", "social_insurance", "某机械配件公司", "", "CQ-JX", "overdue"),
]


def _seed_policies(stdout: Any) -> None:
    have = set(Policy.objects.values_list("title", flat=True))
    made = 0
    for title, issuer, number, topic, effective, sections in POLICIES:
        if title in have:
            continue
        services.policy_save(
            actor=system_actor(),
            title=title,
            issuer=issuer,
            doc_number=number,
            topic=topic,
            effective_on=dt.date.fromisoformat(effective),
            sections=sections,
        )
        made += 1
    have_q = set(Faq.objects.values_list("question", flat=True))
    for i, (question, answer, category) in enumerate(FAQS):
        if question not in have_q:
            services.faq_save(
                actor=system_actor(),
                question=question,
                answer=answer,
                category=category,
                seq=i,
            )
    stdout.write(f"rights: {len(POLICIES)} policies ({made} new), {len(FAQS)} FAQs")


def _seed_appeals(stdout: Any) -> None:
    operator = User.objects.filter(username="hotline_op").first()
    unions = {u.code: u for u in Union.objects.filter(code__in={a[5] for a in APPEALS} | {"CQ", "CQ-JX"})}
    if operator is None or "CQ" not in unions:
        stdout.write("rights: demo appeals skipped (no hotline_op or no demo union tree)")
        return
    if "CQ-JX" in unions and not RoutingRule.objects.filter(name="机械冶金行业").exists():
        RoutingRule.objects.create(name="机械冶金行业", industry="C", target=unions["CQ-JX"], priority=50)
    made = 0
    for i, (marker, channel, category, employer, district, code, state) in enumerate(APPEALS):
        if Appeal.objects.filter(subject__startswith=marker).exists() or code not in unions:
            continue
        start = now() - dt.timedelta(days=30 if state == "overdue" else 3)
        with transaction.atomic():
            appeal = services.appeal_create(
                actor=operator,
                channel="hotline" if channel == "h5" else channel,
                category=category,
                subject=f"{marker} {employer}",
                facts=f"{employer}相关诉求（演示数据）：职工反映{dict(Category.choices)[category]}问题。",
                caller_name=f"演示职工{i + 1}",
                caller_phone=f"1390000{i + 1:04d}",
                employer_name=employer,
                district=district,
                union=unions[code],
                at=start,
            )
            if state == "pending" or state == "overdue":
                made += 1
                continue
            services.appeal_accept(actor=operator, appeal=appeal, at=start + dt.timedelta(hours=1))
            if state == "waiting":
                services.appeal_pause(
                    actor=operator,
                    appeal=appeal,
                    reason="请补充劳动合同复印件",
                    at=start + dt.timedelta(hours=2),
                )
            if state in ("concluded", "closed"):
                services.appeal_conclude(
                    actor=operator,
                    appeal=appeal,
                    outcome="经协调，单位同意补发。",
                    amount_recovered_fen=1_250_000,
                    at=start + dt.timedelta(days=2),
                )
            if state == "closed":
                services.appeal_follow_up(
                    actor=operator,
                    appeal=appeal,
                    result="reached",
                    rating="satisfied",
                    at=start + dt.timedelta(days=2, hours=2),
                )
                services.appeal_close(actor=operator, appeal=appeal, at=start + dt.timedelta(days=2, hours=3))
        made += 1
    stdout.write(f"rights: {len(APPEALS)} demo appeals ({made} new)")


def seed(stdout: Any) -> None:
    _seed_policies(stdout)
    _seed_appeals(stdout)
