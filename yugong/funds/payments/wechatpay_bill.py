"""The WeChat Pay trade bill (交易账单), read as a stream.

The file is CSV in UTF-8: a header line, one line per trade or refund with every field prefixed by
a back-quote (`` ` ``, so spreadsheets keep long numbers as text), then a summary header
(``总交易单数,…``) and one summary line. Amounts are yuan with two decimals. ``hash_value`` from
the bill API is the SHA1 of the (uncompressed) file.

:func:`read_bill` spools the download to a temporary file (in memory up to 4 MB, then on disk)
while hashing it, checks the hash, then yields rows one at a time: memory stays flat whatever the
size of the day's bill.
"""

from __future__ import annotations

import csv
import hashlib
import io
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _

from yugong.core.validators import is_ascii_digits

# The columns of bill_type=ALL, in the published order.
ALL_COLUMNS = (
    "交易时间",
    "公众账号ID",
    "商户号",
    "特约商户号",
    "设备号",
    "微信订单号",
    "商户订单号",
    "用户标识",
    "交易类型",
    "交易状态",
    "付款银行",
    "货币种类",
    "应结订单金额",
    "代金券金额",
    "微信退款单号",
    "商户退款单号",
    "退款金额",
    "充值券退款金额",
    "退款类型",
    "退款状态",
    "商品名称",
    "商户数据包",
    "手续费",
    "费率",
    "订单金额",
    "申请退款金额",
    "费率备注",
)
SUMMARY_START = "总交易单数"


MAX_ROW_ERRORS = 20  # a bad file lists this many bad places at most (then the run stops)


class BillError(ValueError):
    """A bill that cannot be read. ``problems`` maps each bad place (``第N行 / 列``, or the file) to
    its Chinese message, in file order; the reconciliation shows them and writes nothing."""

    def __init__(self, message: str, problems: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or {"file": message}


def _where(row: int, column: str) -> str:
    return _("第%(row)s行 / %(col)s") % {"row": row, "col": column}


@dataclass(frozen=True, slots=True)
class BillRow:
    time: str
    transaction_id: str
    out_trade_no: str
    trade_state: str  # SUCCESS | REFUND | REVOKED …
    amount_fen: int  # 应结订单金额 (a payment)
    refund_id: str
    out_refund_no: str
    refund_fen: int  # 退款金额 (a refund)
    fee_fen: int  # 手续费


def yuan_to_fen(text: str) -> int:
    """'12.30' → 1230 with integer arithmetic (no float)."""
    value = text.strip().lstrip("`")
    if not value:
        return 0
    negative = value.startswith("-")
    whole, _dot, cents = value.lstrip("-").partition(".")
    if not is_ascii_digits(whole) or (cents and not is_ascii_digits(cents)) or len(cents) > 2:
        raise BillError(_("金额格式不正确：%(text)s") % {"text": text[:40]})
    fen = int(whole) * 100 + int((cents + "00")[:2])
    return -fen if negative else fen


_NEEDED = (
    "交易时间",
    "微信订单号",
    "商户订单号",
    "交易状态",
    "应结订单金额",
    "微信退款单号",
    "商户退款单号",
    "退款金额",
    "手续费",
)


def parse_rows(lines: Iterable[str]) -> Iterator[BillRow]:
    """Rows of the bill, one at a time. A million-line bill is parsed in one pass: only the nine
    columns a row keeps are cleaned (not all 27), and an amount of ``0.00`` skips the arithmetic.

    A bad line (too few columns, an amount that is not yuan with two decimals, no 商户订单号) is
    noted by its line number and column and skipped; at the end of the file — or after
    ``MAX_ROW_ERRORS`` — :class:`BillError` lists them all, so the caller's transaction (which
    staged the good lines) rolls back: a bill with errors reconciles nothing."""
    reader = csv.reader(lines)
    try:
        header = next(reader, None)
    except UnicodeDecodeError:
        raise BillError(_("账单文件须为 UTF-8 编码的 CSV 文件。")) from None
    if not header or not any(h.strip() for h in header):
        raise BillError(_("账单文件是空的。"))
    names = [name.strip().lstrip("\ufeff") for name in header]
    missing = [name for name in _NEEDED if name not in names]
    if missing:
        raise BillError(
            _("不是微信支付交易账单：第1行缺少列 %(cols)s。") % {"cols": "、".join(missing)},
            {_where(1, missing[0]): _("缺少列 %(cols)s。") % {"cols": "、".join(missing)}},
        )
    (t_at, tx_at, no_at, st_at, amt_at, rid_at, rno_at, ref_at, fee_at) = (names.index(n) for n in _NEEDED)
    width = max(t_at, tx_at, no_at, st_at, amt_at, rid_at, rno_at, ref_at, fee_at) + 1
    fen = _fen
    problems: dict[str, str] = {}
    amounts = (("应结订单金额", amt_at), ("退款金额", ref_at), ("手续费", fee_at))
    try:
        for row in reader:
            if not row:
                continue
            if row[0].strip().startswith(SUMMARY_START):
                break
            if len(row) < width:
                problems[_where(reader.line_num, names[len(row)])] = _(
                    "列数不足（%(n)s 列，应有 %(want)s 列）。"
                ) % {"n": len(row), "want": len(names)}
            elif not row[no_at].strip().lstrip("`"):
                problems[_where(reader.line_num, "商户订单号")] = _("此项为必填项。")
            else:
                try:
                    yield BillRow(
                        row[t_at].strip().lstrip("`"),
                        row[tx_at].strip().lstrip("`"),
                        row[no_at].strip().lstrip("`"),
                        row[st_at].strip().lstrip("`"),
                        fen(row[amt_at]),
                        row[rid_at].strip().lstrip("`"),
                        row[rno_at].strip().lstrip("`"),
                        fen(row[ref_at]),
                        fen(row[fee_at]),
                    )
                    continue
                except BillError:  # which amount: asked again only for the bad line
                    column = next(name for name, at in amounts if not _is_amount(row[at]))
                    problems[_where(reader.line_num, column)] = _("金额格式不正确（应为元，最多两位小数）。")
            if len(problems) >= MAX_ROW_ERRORS:
                break
    except UnicodeDecodeError:
        problems[_("第%(row)s行") % {"row": reader.line_num + 1}] = _("不是 UTF-8 编码的文字。")
    except csv.Error as exc:
        problems[_("第%(row)s行") % {"row": reader.line_num}] = _("CSV 格式错误：%(e)s") % {"e": exc}
    if problems:
        raise BillError(_("账单文件有错误，未对账，请核对后重新上传。"), problems)


def _is_amount(text: str) -> bool:
    try:
        _fen(text)
    except BillError:
        return False
    return True


def _fen(text: str) -> int:
    """:func:`yuan_to_fen` with the bill's commonest values (nothing, zero) answered first."""
    if text in _ZERO:
        return 0
    return yuan_to_fen(text)


_ZERO = frozenset({"", "`", "`0.00", "0.00", "`0", "0"})


def read_bill(chunks: Iterable[bytes], *, expected_sha1: str = "") -> Iterator[BillRow]:
    digest = hashlib.sha1()  # noqa: S324 - the hash WeChat Pay publishes for the bill file
    with tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024) as spool:
        for chunk in chunks:
            digest.update(chunk)
            spool.write(chunk)
        if expected_sha1 and digest.hexdigest().lower() != expected_sha1.lower():
            raise BillError(_("账单文件的 SHA1 校验值与 hash_value 不符，文件不完整或被改动。"))
        spool.seek(0)
        text = io.TextIOWrapper(spool, encoding="utf-8-sig", newline="")
        try:
            yield from parse_rows(text)
        finally:
            text.detach()


def write_bill(rows: Iterable[BillRow], out: io.TextIOBase) -> None:
    """Write a bill in WeChat Pay's format (the tests' fake gateway and the benchmark use it)."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(ALL_COLUMNS)
    count = total = refunds = fees = 0
    for r in rows:
        count += 1
        total += r.amount_fen
        refunds += r.refund_fen
        fees += r.fee_fen
        values = dict.fromkeys(ALL_COLUMNS, "")
        values.update(
            {
                "交易时间": r.time,
                "微信订单号": r.transaction_id,
                "商户订单号": r.out_trade_no,
                "交易类型": "JSAPI",
                "交易状态": r.trade_state,
                "货币种类": "CNY",
                "应结订单金额": fen_to_yuan(r.amount_fen),
                "微信退款单号": r.refund_id,
                "商户退款单号": r.out_refund_no,
                "退款金额": fen_to_yuan(r.refund_fen),
                "手续费": fen_to_yuan(r.fee_fen),
                "订单金额": fen_to_yuan(r.amount_fen),
            }
        )
        writer.writerow(f"`{values[c]}" for c in ALL_COLUMNS)
    writer.writerow(
        (
            "总交易单数",
            "应结订单总金额",
            "退款总金额",
            "充值券退款总金额",
            "手续费总金额",
            "订单总金额",
            "申请退款总金额",
        )
    )
    writer.writerow(
        f"`{v}"
        for v in (
            count,
            fen_to_yuan(total),
            fen_to_yuan(refunds),
            "0.00",
            fen_to_yuan(fees),
            fen_to_yuan(total),
            fen_to_yuan(refunds),
        )
    )


def fen_to_yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{yuan}.{cents:02d}"
