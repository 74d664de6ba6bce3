"""What each audit action code means, for people: ``membership.approve`` → 审批入会.

Every code a service writes with ``audit_record`` (directly, through a wrapper such as
``rights.services.common.audit``, or chosen with ``x if y else z`` / an f-string over a status) must
be named here: ``tests/test_audit_actions.py`` reads the code base and fails on a code without a
name. The console's audit log shows these names and filters by them. Core imports no domain app, so
the codes are plain strings here.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# Groups for the audit log's filter, in the order shown; a code belongs to the first group whose
# prefix it starts with.
ACTION_GROUPS: tuple[tuple[tuple[str, ...], Promise], ...] = (
    (("auth.", "user.", "pii.", "accounts."), _("账号与个人信息")),
    (("union.", "employer.", "role.", "home_rating.", "volunteer"), _("工会组织")),
    (("membership.", "person.", "roster.", "members."), _("会员")),
    (("stations.",), _("驿站")),
    (("rights.",), _("维权")),
    (("tourism.",), _("文旅")),
    (("activity.",), _("职工活动")),
    (("contest.", "competition."), _("竞赛")),
    (("learning.",), _("一链培")),
    (("funds.",), _("工会经费")),
    (("assistance.",), _("困难帮扶")),
    (("news.",), _("资讯与通知")),
    (("cockpit.",), _("数说工会")),
    (("events.",), _("系统")),
)

ACTION_NAMES: dict[str, Promise] = {
    # accounts
    "auth.locked": _("账号被锁定"),
    "auth.login": _("登录"),
    "auth.login_failed": _("登录失败"),
    "auth.sms_login": _("短信验证码登录"),
    "auth.token_created": _("创建接口令牌"),
    "auth.token_revoked": _("撤销接口令牌"),
    "auth.totp_disabled": _("关闭两步验证"),
    "auth.totp_enabled": _("开启两步验证"),
    "user.admin_role": _("设置平台管理角色"),
    "accounts.sms_code_request": _("发送短信验证码"),
    "accounts.sms_codes_purge": _("清理过期短信验证码"),
    "accounts.totp_setup_begin": _("开始设置两步验证"),
    "pii.view": _("查看个人信息明文"),
    "events.replay": _("重新投递领域事件"),
    # orgs
    "union.create": _("新建工会"),
    "union.update": _("修改工会信息"),
    "union.move": _("调整工会隶属关系"),
    "union.merge": _("合并工会"),
    "union.close": _("撤销工会"),
    "union.reopen": _("恢复工会"),
    "employer.create": _("新建用人单位"),
    "employer.update": _("修改用人单位"),
    "role.grant": _("授予工作角色"),
    "role.revoke": _("收回工作角色"),
    "home_rating.create": _("登记职工之家评定"),
    "home_rating.delete": _("删除职工之家评定"),
    "volunteer_team.create": _("新建志愿服务队"),
    "volunteer.add": _("添加志愿者"),
    "volunteer.service": _("登记志愿服务"),
    # members
    "person.create": _("新建职工档案"),
    "person.update": _("修改职工档案"),
    "membership.apply": _("申请入会"),
    "membership.approve": _("审批入会"),
    "membership.reject": _("驳回入会申请"),
    "membership.withdraw": _("撤回入会申请"),
    "membership.suspend": _("暂停会籍"),
    "membership.resume": _("恢复会籍"),
    "membership.leave": _("退会"),
    "membership.overdue": _("会费逾期"),
    "membership.transfer_request": _("申请转会"),
    "membership.transfer_out": _("转出会员"),
    "membership.transfer_in": _("转入会员"),
    "membership.union_merged": _("随工会合并转移会籍"),
    "membership.card_verify": _("核验会员卡"),
    "roster.import": _("导入会员名册"),
    "members.export": _("导出会员名册"),
    # stations
    "stations.station.create": _("新建驿站"),
    "stations.checkin": _("驿站打卡"),
    "stations.feedback": _("评价驿站"),
    "stations.station.update": _("修改驿站"),
    "stations.station.import": _("导入驿站"),
    "stations.honour.add": _("登记驿站荣誉"),
    "stations.keeper.add": _("添加驿站看护人"),
    "stations.photo.add": _("上传驿站照片"),
    "stations.inspection.record": _("记录驿站巡查"),
    "stations.issue.raise": _("登记驿站问题"),
    "stations.issue.close": _("关闭驿站问题"),
    "stations.coverage": _("服务圈覆盖分析"),
    # assistance
    "assistance.file_apply": _("提交困难帮扶申请"),
    "assistance.file_review": _("基层审核困难申请"),
    "assistance.file_reject": _("驳回困难申请"),
    "assistance.file_visit": _("记录入户走访"),
    "assistance.file_approve": _("审批困难档案"),
    "assistance.notice_publish": _("发布建档公示"),
    "assistance.objection_raise": _("提出公示异议"),
    "assistance.objection_handle": _("处理公示异议"),
    "assistance.file_activate": _("困难档案建档"),
    # rights
    "rights.appeal.create": _("登记诉求"),
    "rights.appeal.attach": _("上传诉求材料"),
    "rights.appeal.accept": _("受理诉求"),
    "rights.appeal.note": _("记录办理情况"),
    "rights.appeal.assign": _("指定承办人"),
    "rights.appeal.pause": _("等待职工补充"),
    "rights.appeal.resume": _("职工已补充"),
    "rights.appeal.transfer": _("转办诉求"),
    "rights.appeal.refer": _("移交外部机构"),
    "rights.appeal.conclude": _("办结诉求"),
    "rights.appeal.follow_up": _("回访"),
    "rights.appeal.rate": _("职工评价"),
    "rights.appeal.reopen": _("重新办理诉求"),
    "rights.appeal.close": _("关闭诉求"),
    "rights.appeal.sla_alert": _("诉求超时提醒"),
    "rights.referral.update": _("更新移交进展"),
    "rights.mediation.open": _("开始调解"),
    "rights.mediation.session": _("记录调解"),
    "rights.mediation.conclude": _("调解结案"),
    "rights.mediation.fulfilment": _("记录调解协议履行"),
    "rights.policy.create": _("新增政策"),
    "rights.policy.update": _("修改政策"),
    "rights.faq.create": _("新增常见问题"),
    "rights.faq.update": _("修改常见问题"),
    # tourism
    # activities (yugong.events)
    "activity.create": _("发布职工活动"),
    "activity.seed_commit": _("公布抽签种子承诺值"),
    "activity.quota": _("分配活动名额"),
    "activity.signup": _("活动报名"),
    "activity.withdraw": _("退出活动报名"),
    "activity.offer": _("候补递补"),
    "activity.draw": _("活动抽签"),
    "tourism.merchant_apply": _("商户入驻申请"),
    "tourism.merchant_approve": _("批准商户入驻"),
    "tourism.merchant_reject": _("驳回商户入驻"),
    "tourism.merchant_terms": _("设置商户结算条款"),
    "tourism.merchant_staff_add": _("添加商户员工"),
    "tourism.merchant_staff_role": _("调整商户员工角色"),
    "tourism.merchant_staff_deactivate": _("停用商户员工"),
    "tourism.product_save": _("保存文旅产品"),
    "tourism.product_review": _("审核文旅产品"),
    "tourism.product_picture_add": _("上传产品图片"),
    "tourism.product_picture_remove": _("删除产品图片"),
    "tourism.session_add": _("新增场次"),
    "tourism.order_refund": _("订单退款"),
    "tourism.ticket_scan": _("验票"),
    "tourism.group_request": _("团体购票申请"),
    "tourism.group_approve": _("批准团体购票"),
    "tourism.group_reject": _("驳回团体购票"),
    "tourism.pass_batch_request": _("年卡批量购买申请"),
    "tourism.pass_batch_approve": _("批准年卡批量购买"),
    "tourism.pass_batch_reject": _("驳回年卡批量购买"),
    "tourism.payment_venue": _("场馆收款"),
    "tourism.statement_build": _("生成结算单"),
    "tourism.payout": _("结算付款"),
    "tourism.order_place": _("下单"),
    "tourism.order_cancel": _("取消订单"),
    "tourism.order_expire": _("订单超时关闭"),
    "tourism.payment_start": _("发起支付"),
    "tourism.payment_notify": _("支付结果通知"),
    "tourism.pass_verify": _("核验年票"),
    "tourism.pass_spot_apply": _("申请成为年票景点"),
    "tourism.pass_spot_approve": _("批准年票景点"),
    "tourism.pass_spot_reject": _("驳回年票景点申请"),
    "tourism.pass_spot_set_active": _("启用或暂停年票景点"),
    # contests
    "contest.create": _("新建竞赛"),
    "contest.material_confirm": _("确认已阅学习材料"),
    "contest.publish": _("发布竞赛"),
    "contest.close": _("结束竞赛"),
    "learning.course_complete": _("课程结业"),
    "learning.outcome_deposit": _("存入学习成果"),
    "learning.outcome_approve": _("学习成果审核通过"),
    "learning.outcome_reject": _("学习成果审核不通过"),
    "learning.credit": _("记入学分"),
    "contest.bank_import": _("导入题库"),
    "competition.create": _("新建技能比赛"),
    "competition.registration": _("开始比赛报名"),
    "competition.running": _("开始比赛"),
    "competition.stage_create": _("新增比赛阶段"),
    "competition.item_add": _("新增比赛项目"),
    "competition.subitem_add": _("新增比赛子项"),
    "competition.aspect_add": _("新增评分点"),
    "competition.judge_assign": _("指定裁判"),
    "competition.register": _("报名技能比赛"),
    "competition.mark": _("评分"),
    "competition.remark": _("修改评分"),
    "competition.mark_resolve": _("裁定评分分歧"),
    "competition.compute": _("计算比赛成绩"),
    "competition.objection": _("提出成绩异议"),
    "competition.objection_decide": _("处理成绩异议"),
    "competition.publish": _("发布比赛成绩"),
    # funds
    "funds.budget_create": _("新建预算"),
    "funds.budget_line_add": _("新增预算科目"),
    "funds.income_line_add": _("新增收入科目"),
    "funds.budget_submit": _("提交预算"),
    "funds.budget_approve": _("批准预算"),
    "funds.budget_return": _("退回预算"),
    "funds.income_record": _("登记收入"),
    "funds.commitment_request": _("申请用款"),
    "funds.commitment_first_approve": _("用款初审通过"),
    "funds.commitment_approve": _("批准用款"),
    "funds.commitment_reject": _("驳回用款"),
    "funds.commitment_spend": _("支出"),
    "funds.commitment_release": _("释放预留额度"),
    "funds.commitment_refund": _("退款入账"),
    "funds.commitment_withdraw": _("撤回用款申请"),
    "funds.batch_create": _("新建银行批量"),
    "funds.batch_line_add": _("新增批量明细"),
    "funds.batch_export": _("导出银行批量文件"),
    "funds.batch_results_import": _("导入银行回盘"),
    "funds.batch_follow_up": _("跟进失败明细"),
    "funds.payout_line_correct": _("更正付款明细"),
    "funds.payout_line_cancel": _("取消失败的付款明细"),
    "funds.reconcile_provider_bill": _("对账（支付机构账单）"),
    "funds.difference_resolve": _("处理对账差异"),
    # news
    "news.article_created": _("新建资讯"),
    "news.article_updated": _("修改资讯"),
    "news.article_published": _("发布资讯"),
    "news.article_withdrawn": _("撤回资讯"),
    "news.cover_set": _("设置资讯封面"),
    "news.attachment_added": _("添加资讯附件"),
    "news.receipt": _("阅读回执"),
    # cockpit
    "cockpit.annual.confirm": _("确认年度数据"),
    "cockpit.annual.correct": _("更正年度数据"),
    "cockpit.annual.lock": _("锁定年度数据"),
}


def action_name(code: str) -> str:
    """The name of ``code`` in the active language; an unknown code is shown as it is."""
    name = ACTION_NAMES.get(code)
    return str(name) if name is not None else code


def action_group(code: str) -> str:
    for prefixes, label in ACTION_GROUPS:
        if code.startswith(prefixes):
            return str(label)
    return str(_("其他"))


def action_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """``[(group, [(code, name), …]), …]`` for a ``<select>`` with ``<optgroup>``s."""
    groups: dict[str, list[tuple[str, str]]] = {str(label): [] for _prefixes, label in ACTION_GROUPS}
    for code in ACTION_NAMES:
        groups.setdefault(action_group(code), []).append((code, action_name(code)))
    return [(group, items) for group, items in groups.items() if items]
