"""A roster import's summary (``RosterImport.message``, written in Chinese when the import ran) in
the reader's language (issue 12, item 13). The templates are the messages ``run.py``,
``validate.py``, ``sheet.py`` and ``xlsx.py`` write into it; messages without placeholders are
translated as they are. See ``yugong.core.stored_text``."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from yugong.core.stored_text import StoredText

TEMPLATES = (
    gettext_noop(
        "导入完成：新增会员%(created)d人，已是本工会会员跳过%(skipped)d人，有误未导入%(invalid)d行。"
    ),
    gettext_noop("有%(n)d行有误，按“全部有效才导入”的方式，本次没有导入任何数据。"),
    gettext_noop("名册超过%(max)d行，请拆分后分批导入。"),
    gettext_noop(
        "前%(n)d行中没有找到表头：表头须包含%(columns)s等列（可用“身份证号码”“手机号码”等常用写法）。请使用导入模板。"
    ),
    gettext_noop("文件中的文字内容过多（共享字符串超过%(mb)dMB或%(n)d条），请拆分后分批导入。"),
    gettext_noop("文件内容已损坏（第%(row)d行附近），请用Excel打开后另存为 .xlsx 再上传。"),
)
_READER = StoredText(TEMPLATES)


def import_message(text: str | None) -> str:
    return _READER.localize(text)
