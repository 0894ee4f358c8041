"""Complaint letters: the rings' formulaic mis-selling templates and genuine individual letters.

A ring picks one base template and makes it its own (drops some optional sentences, adds a few
of its own, rewords phrases); each member's letter is then the ring version with the member's
details filled in, sentences swapped or dropped now and then, and a few characters edited.
Honest complainers write their own letters, assembled from many short fragments so that two of
them rarely share long passages.

Some templates circulate publicly ("full refund guides" on short-video platforms and forums;
`public_templates`): honest customers who never met copy them with their own details and a
personal touch (`copied_letter`), and rings adapt them their own way (`adapt_template`), so
one public template turns up in honest letters and in the letters of several rings.

>>> rng = np.random.default_rng(1)
>>> t = ring_template(rng)
>>> letter = render_ring_complaint(rng, t, example_fields(), edit_rate=0.0)
>>> "12378" in letter and len(letter) > 200
True
>>> guide = public_templates(rng, 3)[0]
>>> copied = copied_letter(rng, guide, example_fields(), edit_rate=0.0)
>>> ring_version = adapt_template(rng, guide)
>>> len(set(ring_version.sentences) & set(guide.sentences)) >= len(guide.sentences) // 2
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "RingTemplate",
    "adapt_template",
    "copied_letter",
    "example_fields",
    "honest_complaint",
    "public_template_weights",
    "public_templates",
    "render_ring_complaint",
    "ring_template",
    "service_complaint",
]

# (sentence, optional) — slots: name, id_number, policy_id, product, issue_date, agent,
# premium, paid, phone, age
_BASES: tuple[tuple[tuple[str, bool], ...], ...] = (
    (
        ("本人{name}，身份证号{id_number}，于{issue_date}经贵公司业务员{agent}推销购买了《{product}》，"
         "保单号{policy_id}，年缴保费{premium}元。", False),
        ("投保时业务员{agent}向本人承诺该产品是“存款”，年收益不低于6%，随时可以全额取出，本金绝对安全。", False),
        ("业务员从未告知本人该产品是保险产品，也从未说明犹豫期、退保损失及现金价值等重要事项。", True),
        ("投保单上的部分签名并非本人亲笔所签，风险提示语句也是业务员代为抄录，本人对此毫不知情。", True),
        ("业务员利用本人年纪大、文化程度低、对保险不了解的弱点，采取夸大收益、隐瞒风险的方式诱导本人投保。", True),
        ("直到近期急需用钱，本人才得知如果退保只能拿回很少的现金价值，损失巨大。", False),
        ("贵公司的上述行为严重违反了《保险法》第十七条、第一百一十六条以及《消费者权益保护法》的相关规定，"
         "构成销售误导和欺诈。", False),
        ("本人已累计缴纳保费{paid}元，这些钱都是本人多年的血汗钱。", True),
        ("现本人郑重要求贵公司解除保险合同，全额退还本人已缴纳的全部保费{paid}元，并赔偿相应利息损失。", False),
        ("请贵公司在收到本投诉之日起十五个工作日内给予书面答复。", True),
        ("如贵公司拖延或拒不处理，本人将向12378热线及地方金融监管部门投诉，并保留向人民法院提起诉讼的权利。", False),
        ("联系电话：{phone}。", True),
    ),
    (
        ("投诉人：{name}，证件号码：{id_number}，保单号码：{policy_id}。", False),
        ("被投诉人：贵公司及业务员{agent}。", True),
        ("投诉事由：{issue_date}，业务员{agent}多次上门推销，声称《{product}》是“分红储蓄”，"
         "五年后可以连本带利全部取回，收益比银行定期高得多。", False),
        ("业务员在销售过程中故意隐瞒了退保损失、保单现金价值以及分红不确定等关键信息，"
         "也没有向投诉人出示完整的保险条款。", False),
        ("投诉人当时并未进行任何录音录像，回访电话也是业务员事先教投诉人如何回答的，"
         "回访内容不能代表投诉人的真实意思。", True),
        ("投诉人年缴保费{premium}元，至今已交{paid}元，远远超出投诉人的经济承受能力。", True),
        ("贵公司业务员的行为属于典型的销售误导，严重侵害了消费者的知情权和自主选择权。", False),
        ("根据《中华人民共和国保险法》和《人身保险业务基本服务规定》，贵公司应当承担全部责任。", True),
        ("投诉人请求：一、撤销保险合同；二、全额退还已交保费{paid}元；三、对涉事业务员依法依规作出处理。", False),
        ("若贵公司不予处理，投诉人将向12378银行保险消费者投诉维权热线反映，并向媒体曝光。", False),
        ("特此投诉，望贵公司尽快核实处理。", True),
        ("联系人电话{phone}，通讯地址见信封。", True),
    ),
    (
        ("尊敬的贵公司领导：本人{name}，今年已{age}岁，是贵公司《{product}》的投保人，保单号{policy_id}。", False),
        ("{issue_date}，原业务员{agent}以“公司内部理财”“保本保息”为名，让本人签字购买了这份保险。", False),
        ("该业务员现已离职，本人多次联系无果，所谓的高收益也从未兑现。", True),
        ("本人年纪大，眼睛不好，合同内容业务员没有给本人解释过，很多地方都是业务员让签哪里就签哪里。", True),
        ("本人后来才知道，这是一份需要交很多年的长期保险，中途退保要损失大部分本金。", False),
        ("本人身体不好，家庭经济困难，根本没有能力继续缴费，已交的{paid}元保费是本人全部积蓄。", True),
        ("贵公司对业务员管理不严，没有尽到说明义务和适当性审查义务，导致本人购买了不适合的产品。", False),
        ("本人要求贵公司退还全部已交保费，不接受按现金价值退保。", False),
        ("本人已咨询专业律师，贵公司的行为涉嫌违反《保险法》和《消费者权益保护法》，本人有权要求全额退款。", True),
        ("请贵公司在十个工作日内联系本人处理，联系电话{phone}。", True),
        ("否则本人将拨打12378热线投诉，并向监管部门和法院寻求解决。", False),
    ),
    (
        ("关于保单{policy_id}销售误导的投诉及全额退保申请", False),
        ("申请人{name}（身份证号码{id_number}）于{issue_date}在贵公司业务员{agent}的误导下投保《{product}》，"
         "年交保费{premium}元。", False),
        ("业务员在推销时将保险产品与银行理财混为一谈，口头承诺“三年回本、五年翻倍”，并称随时可以退全款。", False),
        ("业务员未按规定履行如实告知义务，未提示犹豫期权利，未对免责条款和退保损失作出明确说明。", True),
        ("申请人在投保时已年满{age}岁，贵公司未进行适当性评估，未对投保过程进行双录。", True),
        ("合同中的签名及“本人已阅读保险条款”等抄录内容均非申请人本人书写，申请人保留笔迹鉴定的权利。", True),
        ("上述行为已构成欺诈，依据《保险法》第一百三十一条，保险合同应予撤销。", False),
        ("申请人要求贵公司全额退还已交保费共计{paid}元，并承担资金占用期间的利息。", False),
        ("申请人已将相关情况向银保监会12378热线进行了反映，请贵公司高度重视。", False),
        ("如七日内未得到满意答复，申请人将委托律师提起诉讼并向上级监管部门信访。", True),
        ("申请人联系电话：{phone}。", True),
    ),
)

# Sentences a ring may add to its version of a template.
_EXTRAS: tuple[str, ...] = (
    "本人多次到柜面咨询，工作人员均推诿敷衍，始终没有给出合理解释。",
    "业务员当时还让本人在空白的回访确认书上签了字。",
    "本人家中老人生病住院，急需用钱，恳请贵公司体谅。",
    "据本人了解，同一业务员销售的保单中有大量类似情况，属于系统性的销售误导。",
    "本人保留通过法律途径追究贵公司及相关人员责任的权利。",
    "业务员还承诺每年返还本人一部分现金，实际上从未兑现。",
    "本人从未收到过纸质保险合同，也从未收到过任何年度报告。",
    "本次投诉的所有事项本人均有证人可以证明。",
    "贵公司如果坚持按现金价值退保，本人绝不接受。",
    "本人要求调取投保时的全部录音录像资料。",
    "请贵公司不要再打电话骚扰本人，有事请联系本人委托的代理人。",
    "本人对贵公司的服务极度失望，要求立即解决。",
)

# Ring-level rewording: a phrase and the alternatives a ring may use instead.
_SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("贵公司", "你公司", "贵司", "保险公司"),
    ("全额退还", "全部退还", "如数退还", "足额退还"),
    ("12378热线", "12378投诉热线", "12378维权热线", "监管热线12378"),
    ("业务员", "销售人员", "营销员", "代理人"),
    ("严重", "极其严重地", "明显", "公然"),
    ("保险合同", "保单合同", "合同", "该份合同"),
    ("销售误导", "误导销售", "欺诈销售", "虚假宣传"),
    ("隐瞒", "刻意隐瞒", "故意隐瞒", "未如实告知"),
    ("监管部门", "银保监局", "金融监管局", "监管机构"),
    ("请贵公司", "恳请贵公司", "望贵公司", "要求贵公司"),
    ("法院", "人民法院", "当地法院", "仲裁机构"),
    ("收益", "回报", "利息", "收益率"),
    ("本人", "我", "投保人", "本投保人"),
    ("承诺", "保证", "口头承诺", "许诺"),
    ("退保", "解除合同", "退保处理", "退款"),
)

_CONFUSABLE = "的地得了和与及已以其再在做作帐账"


@dataclass(frozen=True)
class RingTemplate:
    """A ring's own version of a complaint template: its sentences in order."""

    base: int
    sentences: tuple[str, ...]


def example_fields() -> dict[str, str]:
    """Slot values for examples and tests."""
    return {
        "name": "李秀英", "id_number": "36070219560312002X", "policy_id": "P000123456",
        "product": "鑫福年年年金保险（分红型）", "issue_date": "2018年3月", "agent": "张伟",
        "premium": "12000", "paid": "72000", "phone": "13812345678", "age": "68",
    }


def _own_version(
    rng: np.random.Generator, kept: list[str], extras: tuple[int, int], reword: float
) -> tuple[str, ...]:
    """`kept` with `extras` (low, high exclusive) sentences of `_EXTRAS` inserted and each
    phrase group of `_SYNONYMS` reworded with probability `reword`."""
    for extra in rng.choice(len(_EXTRAS), size=int(rng.integers(*extras)), replace=False):
        kept.insert(int(rng.integers(1, len(kept) + 1)), _EXTRAS[int(extra)])
    swaps = [
        (group[0], group[int(rng.integers(1, len(group)))])
        for group in _SYNONYMS
        if rng.random() < reword
    ]
    reworded = []
    for sentence in kept:
        for old, new in swaps:
            sentence = sentence.replace(old, new)
        reworded.append(sentence)
    return tuple(reworded)


def ring_template(rng: np.random.Generator) -> RingTemplate:
    """A new ring's version of one of the base templates."""
    base = int(rng.integers(0, len(_BASES)))
    kept = [s for s, optional in _BASES[base] if not optional or rng.random() > 0.4]
    return RingTemplate(base=base, sentences=_own_version(rng, kept, (2, 5), 0.6))


# Lines that mark a letter as copied from an online "full refund guide".
_GUIDE_LINES: tuple[str, ...] = (
    "本人通过网络了解到，保险公司存在销售误导的，投保人有权要求全额退还保费。",
    "根据相关规定，保险销售应当全程录音录像，未按规定双录的保单投保人可以要求撤销。",
    "请贵公司依法依规处理，不要以现金价值搪塞投保人。",
    "本人已将投诉材料同时抄送当地金融监管局消费者权益保护部门。",
    "以上情况属实，本人愿意承担相应法律责任。",
)


def public_templates(rng: np.random.Generator, n: int) -> tuple[RingTemplate, ...]:
    """`n` templates circulating publicly: versions of the base templates as a "full refund
    guide" posts them, each with one or two of the guides' own lines."""
    out = []
    for _ in range(n):
        sentences = list(ring_template(rng).sentences)
        for line in rng.choice(len(_GUIDE_LINES), size=int(rng.integers(1, 3)), replace=False):
            sentences.insert(int(rng.integers(1, len(sentences) + 1)), _GUIDE_LINES[int(line)])
        out.append(RingTemplate(base=-1, sentences=tuple(sentences)))
    return tuple(out)


def public_template_weights(n: int) -> np.ndarray:
    """How often each of `n` public templates is picked up: one goes viral, the rest less
    so (Zipf-like, weights 1, 1/2, 1/3, …; they sum to 1).

    >>> public_template_weights(3).round(3).tolist()
    [0.545, 0.273, 0.182]
    """
    w = 1.0 / np.arange(1, n + 1)
    out: np.ndarray = w / w.sum()
    return out


def adapt_template(rng: np.random.Generator, template: RingTemplate) -> RingTemplate:
    """A ring's own version of a public template: a few sentences dropped (never the first),
    one or two of its own added, some phrases reworded."""
    kept = [s for i, s in enumerate(template.sentences) if i == 0 or rng.random() > 0.15]
    return RingTemplate(base=template.base, sentences=_own_version(rng, kept, (1, 3), 0.35))


def copied_letter(
    rng: np.random.Generator, template: RingTemplate, fields: dict[str, str], edit_rate: float
) -> str:
    """An honest customer's copy of a public template: their own details, now and then a
    phrase reworded or a sentence about their own situation added, typing slips at
    `edit_rate`."""
    sentences = list(template.sentences)
    if rng.random() < 0.5:
        need = _pick(rng, _H_NEED).rstrip("，")
        if need:
            sentences.insert(int(rng.integers(1, len(sentences) + 1)), f"本人{need}。")
    for group in _SYNONYMS:
        if rng.random() < 0.1:
            new = group[int(rng.integers(1, len(group)))]
            sentences = [s.replace(group[0], new) for s in sentences]
    return render_ring_complaint(rng, RingTemplate(template.base, tuple(sentences)), fields,
                                 edit_rate)


def _edit_characters(rng: np.random.Generator, text: str, rate: float) -> str:
    if rate <= 0:
        return text
    hits = rng.random(len(text)) < rate
    if not hits.any():
        return text
    out: list[str] = []
    kinds = rng.integers(0, 3, len(text))
    picks = rng.integers(0, len(_CONFUSABLE), len(text))
    for ch, hit, kind, pick in zip(text, hits, kinds, picks, strict=True):
        if not hit or ch in "{}0123456789":
            out.append(ch)
        elif kind == 0:
            out.append(_CONFUSABLE[pick])
        elif kind == 1:
            continue
        else:
            out.append(ch + ch)
    return "".join(out)


def render_ring_complaint(
    rng: np.random.Generator, template: RingTemplate, fields: dict[str, str], edit_rate: float
) -> str:
    """One member's letter: the ring version with the member's details and small variations."""
    sentences = list(template.sentences)
    if len(sentences) > 3 and rng.random() < 0.35:
        i = int(rng.integers(1, len(sentences) - 1))
        sentences[i], sentences[i + 1] = sentences[i + 1], sentences[i]
    if len(sentences) > 4 and rng.random() < 0.25:
        del sentences[int(rng.integers(1, len(sentences)))]
    return _edit_characters(rng, "".join(s.format_map(fields) for s in sentences), edit_rate)


# Honest letters: each part is built from fragments, so that letters differ in wording.
_H_OPEN = (
    ("我是{name}，", "本人{name}，", "您好，我叫{name}，", "投保人{name}反映：", "{name}，"),
    ("{issue_date}在", "{issue_date}通过", "前几年在", "{issue_date}经朋友介绍在", "{issue_date}于"),
    ("贵公司买了一份{product}。", "业务员{agent}那里投保了{product}，保单号{policy_id}。",
     "你们公司办了一份保险（{product}）。", "银行网点被推荐买了{product}。",
     "{agent}手上买了{product}，每年交{premium}元。"),
)
_H_STORY = (
    ("当时说好是", "业务员讲", "那时候听说", "办的时候以为", "我一直以为"),
    ("交满五年就能取出来", "收益比存银行强", "随时可以拿回本金", "每年都有分红",
     "这是一份理财产品", "孩子上大学时能领一笔钱", "生病住院都能报销"),
    ("，", "，结果", "，可是", "，现在才发现", "，后来去问才知道"),
    ("退保要亏一大半。", "分红一年只有几十块。", "要交二十年才行。", "现金价值很低。",
     "合同里根本没写这些。", "业务员早就不做了，找不到人。", "今年的分红比去年又少了。"),
)
_H_NEED = (
    "家里老人住院急需用钱，", "今年生意不好，交不起了，", "我下岗了，收入减少，",
    "孩子结婚要用钱，", "房贷压力太大，", "身体不好，想把钱拿出来看病，", "",
)
_H_DEMAND = (
    "希望公司能退还全部保费。", "请公司给一个合理的说法。", "希望能少亏一点。",
    "要求全额退保。", "请尽快联系我处理。", "希望能按交的钱退给我。", "请领导核实后回复我。",
    "我不想再交了，请帮我办理退保。",
)
_H_CLOSE = ("", "谢谢。", "电话{phone}。", "盼复。", "我的电话是{phone}，白天都在。")

_SERVICE = (
    ("{issue_date}买的{product}，", "我的保单{policy_id}，", "本人{name}，", ""),
    ("理赔款一个多月还没到账，", "客服电话一直打不通，", "业务员离职后没人管我的保单，",
     "扣费日期和合同上写的不一样，", "变更地址办了三次都没成功，", "柜面工作人员态度很差，",
     "续期缴费短信一直收不到，", "分红通知书上的数字看不懂，问了也没人解释，"),
    ("请尽快处理。", "希望改进服务。", "请给我回个电话。", "很不满意。", "请核实。"),
)


def _pick(rng: np.random.Generator, options: tuple[str, ...]) -> str:
    return options[int(rng.integers(0, len(options)))]


def honest_complaint(rng: np.random.Generator, fields: dict[str, str]) -> str:
    """A genuine individual complaint letter (short, personal, in the customer's own words)."""
    parts = [_pick(rng, group) for group in _H_OPEN]
    for _ in range(int(rng.integers(1, 3))):
        parts.extend(_pick(rng, group) for group in _H_STORY)
    parts.append(_pick(rng, _H_NEED))
    parts.append(_pick(rng, _H_DEMAND))
    parts.append(_pick(rng, _H_CLOSE))
    return "".join(parts).format_map(fields)


def service_complaint(rng: np.random.Generator, fields: dict[str, str]) -> str:
    """A short service complaint (no surrender, no refund demand)."""
    return "".join(_pick(rng, group) for group in _SERVICE).format_map(fields)
