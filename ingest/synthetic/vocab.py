"""Coded values of the book: surrender reasons, channels, watchlist vocabulary, entity codes.

>>> entity_code("P", np.array([0, 41]), 9).tolist()
['P000000001', 'P000000042']
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .identities import StrArray

__all__ = [
    "CLAIM_CHANNELS",
    "COACHED_REASONS",
    "COMPLAINT_CHANNELS",
    "COMPLAINT_REASONS",
    "LEGIT_REASONS",
    "REASON_TEXTS",
    "WATCH_KINDS",
    "WATCH_SOURCES",
    "entity_code",
    "pick",
    "reason_texts",
    "watch_kinds",
]

# reason code -> typical texts written on the request form
REASON_TEXTS: dict[str, tuple[str, ...]] = {
    "money_need": ("家庭资金周转", "急需用钱", "家里有事用钱", "资金紧张", "个人资金需求"),
    "loan_repayment": ("偿还房贷", "还贷款", "归还银行借款", "还信用卡"),
    "medical": ("家人住院需要用钱", "治病用钱", "支付医疗费用"),
    "education": ("孩子上学用钱", "子女学费"),
    "product_unsuitable": ("产品不适合自己", "收益不理想", "分红太低", "不想继续缴费"),
    "service_dissatisfied": ("业务员离职无人服务", "对服务不满意", "联系不上业务员"),
    "other": ("其他", "个人原因", "无", "换购其他产品"),
    "complaint_misselling": ("销售误导，要求全额退保", "业务员误导销售", "投诉销售误导",
                             "虚假宣传，要求退还全部保费"),
    "regulator_complaint": ("12378投诉转办", "监管转办投诉", "信访件处理", "投诉处理后退保"),
}
LEGIT_REASONS: dict[str, float] = {
    "money_need": 0.42, "loan_repayment": 0.14, "medical": 0.1, "education": 0.06,
    "product_unsuitable": 0.12, "service_dissatisfied": 0.06, "other": 0.1,
}
COMPLAINT_REASONS: dict[str, float] = {"complaint_misselling": 0.7, "regulator_complaint": 0.3}
# what ring members coached to look ordinary write on the form
COACHED_REASONS: dict[str, float] = {"money_need": 0.5, "loan_repayment": 0.3, "other": 0.2}
CLAIM_CHANNELS: dict[str, float] = {
    "counter": 0.5, "app": 0.25, "agent": 0.1, "phone": 0.05, "mail": 0.1,
}
COMPLAINT_CHANNELS: dict[str, float] = {
    "letter": 0.35, "regulator_12378": 0.3, "hotline": 0.2, "counter": 0.1, "email": 0.05,
}
# identifier type -> what a blacklist entry of that type is called
WATCH_KINDS: dict[str, tuple[str, ...]] = {
    "phone": ("涉黑产手机号", "代理退保中介"),
    "bank_account": ("涉黑产收款账户", "代理退保中介"),
    "id_number": ("代理退保代办人", "职业投诉人"),
    "address": ("代理退保中介", "职业投诉人"),
}
WATCH_SOURCES: tuple[str, ...] = ("行业协会共享名单", "公司反欺诈平台", "监管通报", "公安机关协查")


def pick(rng: np.random.Generator, weights: dict[str, float], n: int) -> StrArray:
    """`n` keys of `weights` drawn with their weights."""
    keys = np.array(list(weights), dtype=object)
    p = np.array(list(weights.values()), dtype=float)
    out: StrArray = keys[rng.choice(len(keys), size=n, p=p / p.sum())]
    return out


def reason_texts(rng: np.random.Generator, codes: StrArray) -> StrArray:
    """A text for each reason code; one in ten is left empty."""
    out = np.empty(len(codes), dtype=object)
    for code, texts in REASON_TEXTS.items():
        rows = np.flatnonzero(codes == code)
        out[rows] = np.array(texts, dtype=object)[rng.integers(0, len(texts), len(rows))]
    out[rng.random(len(codes)) < 0.1] = ""
    return out


def watch_kinds(rng: np.random.Generator, identifier_types: StrArray) -> StrArray:
    """A watchlist `kind` for each entry, fitting its identifier type."""
    out = np.empty(len(identifier_types), dtype=object)
    for kind, names in WATCH_KINDS.items():
        rows = np.flatnonzero(identifier_types == kind)
        out[rows] = np.array(names, dtype=object)[rng.integers(0, len(names), len(rows))]
    return out


def entity_code(prefix: str, index: npt.ArrayLike, width: int) -> StrArray:
    """Public identifiers of entities: prefix + zero-padded 1-based row number."""
    idx = np.asarray(index, dtype=np.int64) + 1
    if idx.size == 0:
        return np.empty(0, dtype=object)
    padded: StrArray = np.char.zfill(idx.astype(str), width).astype(object)
    out: StrArray = prefix + padded
    return out
