"""An independent, adversarial test book: proxy-surrender rings hidden among honest look-alikes.

    python -m benchmarks adversarial_book OUT_FOLDER --customers 30000 --seed 1

Writes an input folder in the documented contract (agents, customers, policies, surrenders,
complaints, contact_changes, watchlist; UTF-8 CSV, English headers) plus ``truth.csv``
(``claim_id,ring_id``; empty ring_id = legitimate) and ``holdout.jsonl`` (about 10 % of the
surrender requests, kept out of ``surrenders.csv`` and ``truth.csv``; one
``{"label": 0|1, "request": {...}}`` per line, 1 = a ring's request). Their customers, policies,
complaints and contact changes stay in the book, as when a request arrives in real time.

The book is written from the trade as described in the project's domain notes, not from the
detector: nothing here knows how rings are found. One city (Ganzhou, Jiangxi; 18 counties, area
code 0797), surrender requests over 2023-2024, policies sold 2012-2023.

What it models, per 30 000 customers (all counts scale with the number of customers):

Population
    * households: 58 % single, 29 % couples, 13 % of 3-4 (a child or a parent of the head);
      spouses keep their own surnames, children take the family surname; one address per
      household (typed with stray spaces or full-width digits now and then);
    * phones: own mobile for 97 % under 60, 88 % at 60-74, 65 % from 75; without one, 70 % get
      a household member's number, otherwise the clerk types the branch landline (in 11 of 18
      branches; also typed for 3 % of customers who have a phone there), the insurer's 400
      hotline (also for 0.5 % of everyone), the agent's own phone (agents with that habit) or
      nothing. The hotline touches a few hundred customers, each branch landline about a hundred;
    * ~500 agents, 30 % resigned and 5 % terminated (leave dates 2016-2024), 12 % with the
      habit of typing their own phone for their customers at the counter (60 % of their
      customers' counter/agent requests while they are active);
    * ~40 000 policies of six products; premiums paid and cash values follow the policy year
      (cash value about 30 % of premiums in year 2, 75 % in year 6, ~100 % after year 11).

Honest surrenders and look-alikes (false-alarm traps)
    * ~1 250 customers with ordinary surrenders (money needs, loans, medical bills...) over the
      two years, 1.6x more likely for orphaned books of resigned agents (then mostly after the
      leave date, spread, not a burst); 25 % of those in a household bring a second member
      within 30 days (30 % of these paying into the first one's account), ~1 400 requests in
      all; 6 % paid into a family member's account, 10 % into a new card of their own, 3 % with
      no account; 4 % with a relative as representative, 5 % with a household member's phone,
      5 % with none; channels counter 45 %, agent 25 %, online 25 %, mail 5 % (rings: counter
      with a representative, otherwise counter 50 %, mail 25 %, online 25 %); 5 % after an
      honest phone change 5-60 days before (a child's number: 60 %
      of the household partners who follow get the same one);
    * 2 % of ordinary requests say at the counter that the policy was mis-sold (complaint
      reason, 30 % of them a full refund) without any letter;
    * ~150 honest template complainers: own phone, own account, one of six publicly circulating
      letter templates (each appears on a date and stays in use), edited like people edit them
      (15 % of sentences dropped, words swapped, a personal line in 40 %, a "coaching" line from
      the guides in 12 %), spread over the region and the two years; 50 % demand a full refund,
      75 % give a complaint reason; 15 % come with a spouse who sends the same letter and
      surrenders with them. ~60 more template letters from customers who never surrender; ~50
      honest complainers with letters of their own (35 % full refund); ~120 service complaints;
    * institutional representatives (6 per 30 000, at least 4, in turn): a care-home worker
      (15-40 residents registered at the home's address and often its landline, 30 % paid into
      the home's account, the worker replaced once), a village-committee clerk (one village, the
      clerk's or the committee's phone on 60 %), a legal guardian of 4-10 wards (30 % paid to the
      guardian), a company HR clerk (80-250 employees sold by one agent on a few days, the company
      landline typed for 35 % of them): 8-30 cash-value requests each (fewer for the guardian),
      ordinary reasons, spread over the two years;
    * family representatives (15 groups): an adult child files for both parents and the
      in-laws (different surname) within three weeks, own phone and often own account;
    * an honest mass event per 30 000 customers (at least one): after a universal-life
      crediting-rate cut one branch's sales team (15 agents) sees 35 % of its holders of that
      product surrender within six weeks, cash value and "rate cut" reasons; 8 % of them also
      complain, 4 % demand a full refund;
    * watchlist traps: a recycled number (an old intermediary phone now held by an honest
      customer who surrenders) and ~20 entries of intermediaries with nothing in this book.

Rings (about 20 per 30 000 customers, at least 2; 40 % of 3-6 claims, 35 % of 7-15, 25 % of
16-40; each active for two weeks to eight months)
    * an intermediary (60 % a person, 40 % a "consulting / legal services" company) with 2-5
      phones used one after another (rotated), 1-2 payout accounts per sub-group held by the
      organiser, a front person or the company, 0-2 representatives (half of them using one of
      the ring's phones), one or two mailing addresses; 30 % hand out fresh SIM cards instead of
      sharing a number (half of them bought as a block of near-consecutive numbers);
    * 35 % recruit from one resigned agent's former customers (when an agent with a big enough
      book left at a usable time; about 30 % of rings in the end), starting 2-17 weeks after the
      leave date (in 30 % of these the ex-agent represents some members with his old phone); the
      others recruit by ads in 1-3 counties, mostly customers over 55 with large premiums paid,
      30 % of them together with a spouse;
    * members: stealth 10-35 % (share no identifier: own phone, own account, no representative
      or phone change; only the letter template, the timing and/or the ex-agent), coached
      10-35 % (ordinary reason, cash-value request, identifiers at half the ring's rates, a
      letter in 30 %), the
      rest "full" (each trick at the ring's own rate: ring contact phone 30-80 %, ring payout
      account 20-70 %, representative 15-60 %, phone changed to a ring number 3-45 days before
      10-50 %, complaint letter 60-95 % mailed from the ring's address 30-90 %, full refund
      60-95 %; 30 % of represented requests give a ring phone as the representative's); a ring
      of 6 or more always has a stealth or a coached member;
    * half of the larger rings (10+) split into 2-3 sub-groups with their own accounts and
      staggered dates; 30 % of members come on the same day as the one before them;
    * letters: 70 % of rings edit a public template once (1-2 sentences dropped, 1-2 coaching
      sentences added, words swapped) and fill it per member with few further edits; 30 % use a
      private mix of template sentences. Two rings always share the same public template with
      overlapping dates; 20 % of letters are followed by an escalation to the regulator;
    * 35 % of rings are on the industry watchlist, always by a number they no longer use, in
      half of the cases also by one they used early on, sometimes by the organiser's ID number,
      account or address.

The customer table is a snapshot at the export date (2025-01-10): phone, address and card
after their last change. About 6 % of the customers who never surrender change a phone (60 %),
an address (25 %) or a card (15 %) sometime in 2021-2024. No customer plays two parts (a ring
member is not also an honest complainer; service complaints come from anyone), and no policy is
surrendered twice.

Clerk typing: mobiles plain (72 %) or with spaces, dashes, ``+86`` or full-width digits;
landlines ``0797-…``, ``(0797)…`` or run together; 400 numbers with or without dashes; cards
in groups of four (29 %); ID numbers with lower-case ``x`` (40 % of those ending in X), spaces
or full-width digits; names with a stray space; dates mostly ISO, some ``YYYY/MM/DD`` and
``YYYYMMDD``. Only forms valid under the contract: no spreadsheet damage. All ID numbers are
valid 18-character numbers (region codes valid for the birth year, check character), all cards
pass Luhn, all mobiles use live 13x/15x/17x/18x/19x prefixes, and no two unrelated people share
a number by accident.

Why these rates: the domain notes say each ring uses each trick "only some of the time", so
every rate a ring uses is drawn per ring from a wide range instead of being one number a method
could be tuned to. Ring requests are about 10 % of all requests and rings run from 3 claims (a
cross-insurer ring seen from one insurer) to about 40 (a regulator's published case had 115
policyholders across insurers over 2.5 years). Honest abnormal requests (template letters,
full-refund demands, complaint reasons) are about as many as the rings' own, because the notes
stress that templates and refund guides circulate publicly and near-identical wording alone is
not a ring. Hubs touch a hundred or more customers, as the notes describe; honest shared
representatives, households and mass events put every ring signal (shared phone, third-party
payout, shared representative, shared address, burst, phone change before surrender) into
honest data too, each without the rest of a ring's behaviour.

Hold-out: ``holdout_share`` of the requests; ring requests at that rate (every ring keeps at
least two claims in the book), abnormal honest requests (complaint reason or full refund) at
3.5 times that rate, ordinary ones filling the rest.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ingest.contract import CONTRACT  # noqa: E402

__all__ = ["write_book"]

# ----------------------------------------------------------------------------- calendar
EPOCH = date(1970, 1, 1)


def _day(y: int, m: int, d: int) -> int:
    return (date(y, m, d) - EPOCH).days


def _columns(table: str) -> list[str]:
    """The contract's columns of ``table`` but the optional ``insurer``: the book is one insurer's."""
    return [c for c in CONTRACT[table].column_names if c != "insurer"]


def _date(day: int) -> date:
    return EPOCH + timedelta(days=int(day))


START, END, EXPORT = _day(2023, 1, 1), _day(2024, 12, 31), _day(2025, 1, 10)
SALES_START, SALES_END = _day(2012, 1, 1), _day(2023, 10, 31)

# ----------------------------------------------------------------------------- the city
# (name, weight, town names, [(ID region code, first birth year, last birth year)]) — codes and
# ranges as in the national administrative-division history (pre-1998 Ganzhou prefecture 3621xx).
COUNTIES: list[tuple[str, float, tuple[str, ...], list[tuple[str, int, int]]]] = [
    ("章贡区", 12, ("沙石镇", "水东镇", "水南镇", "沙河镇"), [("362101", 0, 1998), ("360702", 1998, 9999)]),
    ("南康区", 9, ("唐江镇", "龙岭镇", "太窝乡", "镜坝镇"), [("362122", 0, 1995), ("362101", 1996, 1997), ("360782", 1998, 2013), ("360703", 2013, 9999)]),
    ("赣县区", 6, ("梅林镇", "王母渡镇", "江口镇", "茅店镇"), [("362121", 0, 1998), ("360721", 1998, 2016), ("360704", 2016, 9999)]),
    ("信丰县", 6, ("嘉定镇", "大塘埠镇", "古陂镇", "安西镇"), [("362123", 0, 1998), ("360722", 1998, 9999)]),
    ("大余县", 3, ("南安镇", "新城镇", "樟斗镇", "池江镇"), [("362124", 0, 1998), ("360723", 1998, 9999)]),
    ("上犹县", 3, ("东山镇", "陡水镇", "社溪镇", "营前镇"), [("362125", 0, 1998), ("360724", 1998, 9999)]),
    ("崇义县", 2, ("横水镇", "扬眉镇", "过埠镇", "铅厂镇"), [("362126", 0, 1998), ("360725", 1998, 9999)]),
    ("安远县", 4, ("欣山镇", "孔田镇", "版石镇", "天心镇"), [("362127", 0, 1998), ("360726", 1998, 9999)]),
    ("龙南市", 3, ("龙南镇", "渡江镇", "杨村镇", "程龙镇"), [("362128", 0, 1998), ("360727", 1998, 2020), ("360783", 2020, 9999)]),
    ("定南县", 2, ("历市镇", "岿美山镇", "老城镇", "天九镇"), [("362129", 0, 1998), ("360728", 1998, 9999)]),
    ("全南县", 2, ("城厢镇", "大吉山镇", "陂头镇", "金龙镇"), [("362130", 0, 1998), ("360729", 1998, 9999)]),
    ("宁都县", 8, ("梅江镇", "青塘镇", "长胜镇", "黄陂镇"), [("362131", 0, 1998), ("360730", 1998, 9999)]),
    ("于都县", 10, ("贡江镇", "罗坳镇", "岭背镇", "银坑镇"), [("362132", 0, 1998), ("360731", 1998, 9999)]),
    ("兴国县", 8, ("潋江镇", "江背镇", "高兴镇", "良村镇"), [("362133", 0, 1998), ("360732", 1998, 9999)]),
    ("会昌县", 5, ("文武坝镇", "筠门岭镇", "西江镇", "周田镇"), [("362135", 0, 1998), ("360733", 1998, 9999)]),
    ("寻乌县", 3, ("长宁镇", "晨光镇", "留车镇", "澄江镇"), [("362136", 0, 1998), ("360734", 1998, 9999)]),
    ("石城县", 3, ("琴江镇", "小松镇", "屏山镇", "横江镇"), [("362137", 0, 1998), ("360735", 1998, 9999)]),
    ("瑞金市", 6, ("象湖镇", "瑞林镇", "壬田镇", "沙洲坝镇"), [("362134", 0, 1993), ("362102", 1994, 1998), ("360781", 1998, 9999)]),
]
N_COUNTIES = len(COUNTIES)
COUNTY_P = np.array([c[1] for c in COUNTIES], float) / sum(c[1] for c in COUNTIES)
LANDLINE_BRANCHES = (0, 1, 2, 3, 5, 7, 11, 12, 13, 14, 17)  # clerks there type the branch line
ROADS = ("人民路", "解放路", "长征大道", "红旗大道", "文清路", "章江路", "健康路", "建设路", "胜利路",
         "和平路", "滨江大道", "站前大道", "环城路", "文化路", "新华路", "东门路", "光明路", "迎宾大道")
ESTATES = ("阳光", "锦绣", "金色", "东方", "翠湖", "江南", "香榭", "幸福", "和谐", "紫荆", "碧桂",
           "丽景", "书香", "明珠", "嘉园", "华府")
VILLAGE_SYL = ("上", "下", "新", "东", "西", "南", "北", "大", "小", "石", "塘", "坑", "田", "坪", "岭",
               "山", "湖", "江", "桥", "背", "口", "陂", "源", "溪", "洲", "岗", "龙", "凤", "黄", "高")
SURNAMES = ("刘", "陈", "黄", "李", "钟", "谢", "曾", "赖", "温", "廖", "邱", "王", "张", "杨", "罗",
            "朱", "吴", "周", "徐", "胡", "郭", "何", "林", "肖", "叶", "宋", "邓", "蔡", "彭", "袁",
            "欧阳", "魏", "卢", "丁", "曹", "郑", "孙", "严", "兰", "康")
SURNAME_P = np.array([9, 9, 7, 7, 5, 5, 5, 4, 3, 4, 3, 6, 5, 4, 3, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2, 1.5,
                      2, 1.5, 1.5, 1, 0.4, 1, 1, 1, 1, 1, 1, 1, 0.8, 0.8], float)
SURNAME_P /= SURNAME_P.sum()
MALE_CHARS = tuple("伟强军勇杰涛明超刚平辉鹏华飞斌宇浩凯建国文志海波林东峰龙成荣新春发福贵生德")
FEMALE_CHARS = tuple("芳娜敏静丽艳娟霞燕玲秀英华红梅兰凤琴桂珍萍雪莉琳婷慧莲春香翠云")
COMPANY_WORDS = ("鑫源", "恒信", "诚德", "安泰", "众合", "宏达", "博远", "正和", "金盾", "汇智", "卓越",
                 "锦程", "维安", "德昌", "信诺")

# Mobile prefixes with their rough share of numbers in circulation (all live in 2024).
MOBILE_PREFIXES = np.array([130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 150, 151, 152, 153,
                            155, 156, 157, 158, 159, 166, 173, 175, 176, 177, 178, 180, 181, 182,
                            183, 184, 185, 186, 187, 188, 189, 191, 193, 195, 198, 199])
MOBILE_P = np.array([3, 3, 3, 3, 3, 4, 4, 4, 5, 5, 3, 3, 3, 2, 2, 2, 2, 3, 3, 1, 1, 1, 1.5, 1.5, 1.5,
                     3, 2, 2, 2, 1, 1, 2, 3, 3, 3, 1, 1, 1, 1.5, 1.5], float)
MOBILE_P /= MOBILE_P.sum()
# (issuer identification number, card length) of debit cards common in the region.
CARD_BINS = (("622202", 19), ("621700", 19), ("622848", 19), ("621661", 19), ("621799", 19),
             ("622588", 16), ("621483", 16), ("623058", 19), ("621592", 19), ("622908", 18))
CARD_P = np.array([18, 16, 15, 9, 12, 6, 5, 5, 10, 4], float)
CARD_P /= CARD_P.sum()

# (name, weight, annual premium choices, years of payment, cash-value factor)
PRODUCTS = (
    ("鑫享福年金保险", 0.22, (5000, 10000, 20000, 50000), 10, 1.0),
    ("福满堂两全保险（分红型）", 0.22, (3000, 6000, 10000, 20000), 5, 1.0),
    ("安康终身寿险", 0.14, (3000, 5000, 10000), 20, 0.9),
    ("康宁重大疾病保险", 0.20, (2000, 3600, 5000, 8000), 20, 0.55),
    ("如意宝终身寿险（万能型）", 0.12, (10000, 20000, 50000), 5, 1.05),
    ("金色童年少儿两全保险", 0.10, (2000, 3000, 6000), 10, 0.95),
)
UNIVERSAL = 4
PRODUCT_P = np.array([p[1] for p in PRODUCTS])
CASH_RATIO = np.array([0.05, 0.30, 0.45, 0.58, 0.68, 0.75, 0.81, 0.86, 0.90, 0.93, 0.96, 0.99,
                       1.0, 1.01, 1.02, 1.03])

ORDINARY_REASONS = (
    ("financial_need", ("家庭经济困难，急需用钱", "家里急用钱", "")),
    ("loan_repayment", ("偿还银行贷款", "还房贷", "")),
    ("medical_expense", ("家人住院需要医疗费用", "看病需要用钱", "")),
    ("business_need", ("生意周转", "做生意需要资金", "")),
    ("house_purchase", ("购房首付", "")),
    ("education", ("子女上学费用", "")),
    ("dissatisfied", ("对产品收益不满意", "收益太低", "")),
    ("other", ("", "个人原因")),
)
ORDINARY_P = np.array([30, 14, 16, 8, 5, 5, 10, 12], float)
ORDINARY_P /= ORDINARY_P.sum()
COMPLAINT_REASONS = (
    ("complaint_misselling", ("销售误导", "业务员销售误导，要求全额退保", "")),
    ("complaint_sold_as_deposit", ("以存款名义销售", "")),
    ("complaint_hidden_loss", ("未告知退保损失", "")),
    ("complaint_forged_signature", ("非本人签名", "投保单非本人签字")),
    ("complaint_regulator_referral", ("监管转办投诉", "")),
)
COMPLAINT_P = np.array([45, 15, 15, 10, 15], float)
COMPLAINT_P /= COMPLAINT_P.sum()

# ----------------------------------------------------------------------------- letters
# Six complaint templates of the kind that circulate on short-video and social platforms.
PUBLIC_TEMPLATES: tuple[tuple[str, ...], ...] = (
    ("本人{name}于{year}年经业务员{agent}推销购买了贵公司{product}。",
     "业务员在销售时承诺该产品收益高、随时可以全额退保，与银行存款一样安全。",
     "业务员从未向本人讲解合同条款，也未告知退保会产生损失及犹豫期的相关规定。",
     "投保单上的部分签名并非本人亲笔所签，本人对此毫不知情。",
     "该行为属于典型的销售误导，严重违反了《保险法》第十七条及第一百三十一条的规定。",
     "现本人要求贵公司全额退还已缴纳的保费共计{amount}元。",
     "如贵公司不予处理，本人将向国家金融监督管理总局及12378热线投诉，并保留通过法律途径维权的权利。"),
    ("{year}年本人到银行网点办理存款业务时，被{agent}以存款名义推荐办理了{product}。",
     "对方称这是银行的理财产品，存满五年连本带息全部返还，从未说明这是保险。",
     "直到近期本人急需用钱才发现只能退回很少的现金价值，损失巨大。",
     "本人文化程度不高，当时年纪较大，不适合购买此类长期保险产品。",
     "贵公司将保险产品混同于银行存款进行销售，已涉嫌欺诈。",
     "请求贵公司退还全部保费{amount}元，并赔偿相应利息损失。",
     "否则本人将向监管部门反映并向法院提起诉讼。"),
    ("本人今年已{age}岁，{year}年业务员{agent}多次上门推销{product}。",
     "业务员利用老年人对保险知识不了解，夸大产品收益，隐瞒退保损失和缴费年限。",
     "本人收入微薄，每年{annual}元的保费给家庭造成了沉重负担。",
     "根据监管规定，保险公司应当对老年投保人进行适当性评估，贵公司未履行该义务。",
     "现要求解除合同并全额退还保费{amount}元。",
     "望贵公司本着实事求是的态度妥善处理，否则将向12378投诉。"),
    ("经本人核实，{product}（保单号{policy}）投保资料上的签名均非本人所签。",
     "风险提示语句也不是本人抄录，回访电话亦非本人接听。",
     "业务员{agent}私自代签的行为严重侵犯了本人的合法权益。",
     "根据《保险法》第十六条，投保人未亲自签字的合同不生效。",
     "请求贵公司确认合同无效，退还全部已交保费{amount}元。",
     "本人已保留相关证据，如不解决将向监管部门和公安机关反映。"),
    ("{year}年购买{product}时，业务员{agent}只宣传分红和收益，没有告知前几年退保只能拿回很少的钱。",
     "本人多次要求查看合同条款，业务员均以各种理由推脱。",
     "现在才知道退保损失高达一半以上，这与当初的宣传完全不符。",
     "贵公司的销售行为违反了如实告知义务，损害了消费者的知情权。",
     "要求全额退还保费{amount}元，不接受按现金价值退保。",
     "如在十五个工作日内未得到答复，本人将向12378热线及相关媒体反映。"),
    ("投诉事项：{product}销售误导，要求全额退保。",
     "投诉人：{name}，保单号：{policy}。",
     "事实与理由：一、业务员{agent}销售时夸大收益、承诺保本保息；二、未告知退保损失及犹豫期；三、未进行双录或双录不完整。",
     "诉求：退还全部保费{amount}元。",
     "本人已了解相关维权途径，请贵公司在规定时限内处理，逾期将向国家金融监督管理总局投诉。"),
)
# Day each template starts to circulate, and how popular it is among honest complainers.
TEMPLATE_SINCE = (_day(2022, 3, 1), _day(2022, 9, 1), _day(2023, 2, 1), _day(2023, 6, 1),
                  _day(2023, 11, 1), _day(2024, 3, 1))
TEMPLATE_P = np.array([0.28, 0.18, 0.14, 0.12, 0.14, 0.14])
SYNONYMS = (("业务员", ("业务员", "销售人员", "营销员")), ("贵公司", ("贵公司", "你公司", "保险公司")),
            ("全额退还", ("全额退还", "全部退还", "如数退还")), ("严重违反", ("严重违反", "违反")),
            ("本人对此毫不知情", ("本人对此毫不知情", "本人完全不知情")), ("夸大", ("夸大", "虚假宣传")))
COACHING_LINES = ("本人已委托家属全权代为处理本次退保事宜。", "请贵公司直接与本人联系，联系电话以本函所留为准。",
                  "本人不接受任何形式的上门回访或电话劝说。", "请于七个工作日内将全部保费退至本人指定账户。",
                  "相关证据材料已提交律师，随时准备提起诉讼。", "本人同时保留向媒体曝光的权利。",
                  "请勿联系原业务员，本人拒绝与其沟通。", "本函一式三份，已同时寄送监管部门。")
PERSONAL_LINES = ("我家里老人生病急需用钱。", "我是农民，不懂这些条款。", "当时是在菜市场被拉去听讲座的。",
                  "我多次打电话给客服都没有结果。", "这份保单是我攒了很多年的钱买的。", "我儿子看了合同才发现问题。",
                  "业务员现在已经联系不上了。", "我眼睛不好，合同上的字根本看不清。", "希望公司能给个说法。",
                  "我老伴去年走了，现在一个人生活困难。")
OWN_LETTER_LINES = (
    "我在{year}年买了{product}，当时{agent}说这个和存钱差不多。", "现在家里出了事想把钱取出来，才知道只能拿回一部分。",
    "我觉得当时没有讲清楚，心里很不服气。", "请你们核实一下当时的情况，给我一个合理的答复。",
    "我每年交{annual}元，交了好几年了，现在退保亏太多。", "我不懂法律，只想把交的钱要回来。",
    "上次打电话问客服，客服说只能按合同办，我不能接受。", "我年纪大了，这笔钱对我很重要。",
    "{agent}当时说五年后可以全部拿回来，还有利息。", "合同是{agent}拿来让我签的，没给我时间看。",
    "我想要回全部{amount}元保费。", "请保险公司尽快处理，不要再拖了。", "如果还不处理我只能去找监管部门。",
    "我对{product}的分红一直很不满意，和说的差太远。", "后来换了业务员，也没人给我解释。",
)
SERVICE_LINES = ("理赔进度太慢，请尽快处理。", "客服电话一直打不通。", "业务员离职后无人提供服务。",
                 "保单回访时工作人员态度不好。", "续期扣款前没有提前通知。", "变更地址后信件仍寄到旧地址。",
                 "保单贷款到账太慢。", "生存金领取手续太复杂。")
RATE_CUT_LINES = ("万能账户结算利率从{old}%下调到{new}%，与购买时宣传的收益不符。", "利率一降再降，要求公司说明情况。",
                  "当初说保底收益很高，现在收益太低，我要退保。")

COMPLAINT_CHANNELS = ("regulator_hotline", "letter", "counter", "online", "phone")
INTERMEDIARY_SOURCES = ("行业协会黑名单", "监管部门通报", "同业共享", "公安机关协查")


# ----------------------------------------------------------------------------- numbers
def _check_digits_luhn(body: np.ndarray) -> np.ndarray:
    """Luhn check digits for rows of digits (the check digit goes after the last column)."""
    doubled = body[:, ::-1].copy()
    doubled[:, 0::2] *= 2
    doubled[doubled > 9] -= 9
    return (10 - doubled.sum(axis=1) % 10) % 10


_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
_ID_CHECK = np.array(list("10X98765432"))


def _digit_matrix(strings: Sequence[str], width: int) -> np.ndarray:
    return (np.frombuffer("".join(strings).encode("ascii"), np.uint8).reshape(-1, width)
            .astype(np.int64) - 48)


def _region_code(county: int, year: int) -> str:
    for code, first, last in COUNTIES[county][3]:
        if first <= year <= last:
            return code
    raise ValueError(f"no region code for county {county} in {year}")


class _Numbers:
    """Allocates identifiers that are valid and never shared by accident."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def _unique(self, candidates: list[str], out: list[str], n: int) -> None:
        for value in candidates:
            if len(out) == n:
                return
            if value not in self.used:
                self.used.add(value)
                out.append(value)

    def mobiles(self, n: int, block: str | None = None) -> list[str]:
        """``n`` new mobile numbers; with ``block`` (first 8 digits) near-consecutive ones."""
        out: list[str] = []
        while len(out) < n:
            k = n - len(out) + 8
            if block is not None:
                tails = self.rng.integers(0, 1000, size=k)
                self._unique([f"{block}{t:03d}" for t in tails.tolist()], out, n)
            else:
                prefixes = self.rng.choice(MOBILE_PREFIXES, size=k, p=MOBILE_P)
                rest = self.rng.integers(0, 10**8, size=k)
                self._unique([f"{p}{r:08d}" for p, r in zip(prefixes.tolist(), rest.tolist(),
                                                              strict=True)], out, n)
        return out

    def fixed_line(self, prefix: str = "0797", lowest_digit: int = 2) -> str:
        """A new Ganzhou landline (``0797`` + 7 digits, the first 2-8) or, with prefix ``400``
        and lowest digit 1, a nationwide service number."""
        while True:
            value = f"{prefix}{self.rng.integers(lowest_digit, 9)}{self.rng.integers(0, 10**6):06d}"
            if value not in self.used:
                self.used.add(value)
                return value

    def cards(self, n: int) -> list[str]:
        out: list[str] = []
        while len(out) < n:
            k = n - len(out) + 8
            kinds = self.rng.choice(len(CARD_BINS), size=k, p=CARD_P)
            made: list[str] = [""] * k
            for kind, (iin, length) in enumerate(CARD_BINS):
                rows = np.flatnonzero(kinds == kind)
                if not len(rows):
                    continue
                body = np.empty((len(rows), length - 1), np.int64)
                body[:, :6] = [int(c) for c in iin]
                body[:, 6:] = self.rng.integers(0, 10, size=(len(rows), length - 7))
                check = _check_digits_luhn(body)
                texts = ["".join(map(str, r)) for r in np.column_stack([body, check]).tolist()]
                for row, text in zip(rows.tolist(), texts, strict=True):
                    made[row] = text
            self._unique(made, out, n)
        return out

    def id_numbers(self, county: np.ndarray, birth: np.ndarray, male: np.ndarray) -> list[str]:
        """Resident ID numbers: region code valid for the birth year, birth date, sequence with
        the sex parity (odd = male), ISO 7064 MOD 11-2 check character."""
        n = len(county)
        births = [_date(int(b)) for b in birth.tolist()]
        codes = [_region_code(int(c), b.year) for c, b in zip(county.tolist(), births, strict=True)]
        out: list[str] = [""] * n
        todo = np.arange(n)
        while len(todo):
            seq = self.rng.integers(0, 500, size=len(todo)) * 2 + np.where(male[todo], 1, 0)
            bodies = [f"{codes[i]}{births[i]:%Y%m%d}{s:03d}" for i, s in
                      zip(todo.tolist(), seq.tolist(), strict=True)]
            check = _ID_CHECK[(_digit_matrix(bodies, 17) * _ID_WEIGHTS).sum(axis=1) % 11]
            again = []
            for i, body, c in zip(todo.tolist(), bodies, check.tolist(), strict=True):
                value = body + c
                if value in self.used:
                    again.append(i)
                else:
                    self.used.add(value)
                    out[i] = value
            todo = np.array(again, dtype=np.int64)
        return out


# ----------------------------------------------------------------------------- typing
_FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


class _Typist:
    """Types identifiers, names and addresses the ways counter clerks do (valid forms only)."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self._u = rng.random(1 << 16)
        self._i = 0

    def _draw(self) -> float:
        self._i = (self._i + 1) & 0xFFFF
        if self._i == 0:
            self._u = self.rng.random(1 << 16)
        return float(self._u[self._i])

    def phone(self, value: str) -> str:
        if not value:
            return ""
        u = self._draw()
        if value.startswith("0797"):
            local = value[4:]
            return ("0797-" + local if u < 0.6 else value if u < 0.8
                    else "(0797)" + local if u < 0.9 else "0797 " + local)
        if value.startswith("400"):
            return (f"{value[:3]}-{value[3:6]}-{value[6:]}" if u < 0.6 else value if u < 0.9
                    else f"{value[:3]} {value[3:6]} {value[6:]}")
        a, b, c = value[:3], value[3:7], value[7:]
        if u < 0.72:
            return value
        if u < 0.81:
            return f"{a} {b} {c}"
        if u < 0.87:
            return f"{a}-{b}-{c}"
        if u < 0.91:
            return f"+86 {a} {b} {c}"
        if u < 0.95:
            return "+86" + value
        if u < 0.97:
            return f"+86-{a}-{b}-{c}"
        if u < 0.99:
            return value.translate(_FULL_WIDTH)
        return value + " "

    def card(self, value: str) -> str:
        if not value:
            return ""
        u = self._draw()
        if u < 0.68:
            return value
        groups = [value[i:i + 4] for i in range(0, len(value), 4)]
        if u < 0.93:
            return " ".join(groups)
        if u < 0.97:
            return "-".join(groups)
        return value.translate(_FULL_WIDTH)

    def id_number(self, value: str) -> str:
        if not value:
            return ""
        u = self._draw()
        if value.endswith("X") and u < 0.4:
            value = value[:-1] + "x"
        u = self._draw()
        if u < 0.02:
            return f"{value[:6]} {value[6:14]} {value[14:]}"
        if u < 0.03:
            return value.translate(_FULL_WIDTH)
        return value

    def name(self, value: str) -> str:
        if len(value) >= 2 and self._draw() < 0.02:
            return value[0] + " " + value[1:]
        return value

    def address(self, value: str) -> str:
        u = self._draw()
        if u < 0.06:
            return value.translate(_FULL_WIDTH)
        if u < 0.10:
            cut = value.find("市") + 1
            return value[:cut] + " " + value[cut:]
        return value

    def day(self, day: int) -> str:
        u = self._draw()
        d = _date(day)
        return d.strftime("%Y/%m/%d") if u < 0.04 else d.strftime("%Y%m%d") if u < 0.06 else d.isoformat()


# ----------------------------------------------------------------------------- records
@dataclass
class _Person:
    """Someone outside the customer table: an intermediary, representative, relative, clerk."""

    name: str
    id_number: str
    phone: str
    card: str = ""


@dataclass
class _Claim:
    cust: int
    policy: int
    day: int
    channel: str
    reason_code: str
    reason_text: str
    phone: str
    payout: str
    payout_name: str
    refund_type: str = "cash_value"
    rep: _Person | None = None
    rep_phone: str | None = None  # the representative's phone on this request, if not rep.phone
    ring: int = -1
    kind: str = "ordinary"


@dataclass
class _Ring:
    index: int
    size: int
    ex_agent: int = -1
    counties: list[int] = field(default_factory=list)
    start: int = 0
    span: int = 0
    organiser: _Person | None = None
    company: str = ""
    phones: list[str] = field(default_factory=list)
    phone_windows: list[tuple[int, int]] = field(default_factory=list)
    old_phone: str = ""
    accounts: list[list[tuple[str, str]]] = field(default_factory=list)  # per sub-group
    reps: list[_Person] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)
    letter: tuple[str, ...] = ()
    public_template: int = -1
    fresh_sims: bool = False
    sim_block: str | None = None
    rates: dict[str, float] = field(default_factory=dict)
    roles: dict[str, int] = field(default_factory=dict)


# ----------------------------------------------------------------------------- the generator
class _Book:
    def __init__(self, customers: int, seed: int, rings: int | None, holdout_share: float) -> None:
        self.rng = np.random.default_rng(seed)
        self.n = customers
        self.scale = customers / 30_000
        self.n_rings = rings if rings is not None else max(2, round(20 * self.scale))
        self.holdout_share = holdout_share
        self.numbers = _Numbers(self.rng)
        self.typist = _Typist(np.random.default_rng([seed, 1]))
        self.claims: list[_Claim] = []
        self.complaints: list[dict[str, Any]] = []
        self.changes: list[dict[str, Any]] = []
        self.watchlist: list[dict[str, Any]] = []
        self.phone_changed: dict[int, tuple[int, str, str]] = {}
        self.rings: list[_Ring] = []

    # ------------------------------------------------------------------ small helpers
    def chance(self, p: float) -> bool:
        return bool(self.rng.random() < p)

    def uniform(self, lo: float, hi: float) -> float:
        return float(self.rng.uniform(lo, hi))

    def randint(self, lo: int, hi: int) -> int:
        """An integer in [lo, hi], both included."""
        return int(self.rng.integers(lo, hi + 1))

    def pick(self, seq: Sequence[Any]) -> Any:
        return seq[int(self.rng.integers(len(seq)))]

    def scaled(self, per_30k: float, minimum: int = 0) -> int:
        return max(minimum, round(per_30k * self.scale))

    def person_name(self, male: bool | None = None, surname: str | None = None) -> str:
        if male is None:
            male = self.chance(0.5)
        surname = surname or str(self.rng.choice(SURNAMES, p=SURNAME_P))
        pool = MALE_CHARS if male else FEMALE_CHARS
        given = self.pick(pool) + (self.pick(pool) if self.chance(0.7) else "")
        return surname + given

    def person(self, age_lo: int = 25, age_hi: int = 60, surname: str | None = None,
               county: int | None = None, card: bool = True) -> _Person:
        male = self.chance(0.5)
        county = self.pick(range(N_COUNTIES)) if county is None else county
        birth = _day(2024 - self.randint(age_lo, age_hi), 1, 1) + self.randint(0, 364)
        id_number = self.numbers.id_numbers(np.array([county]), np.array([birth]),
                                            np.array([male]))[0]
        return _Person(self.person_name(male, surname), id_number, self.numbers.mobiles(1)[0],
                       self.numbers.cards(1)[0] if card else "")

    def urban_address(self, county: int) -> str:
        name = COUNTIES[county][0]
        if self.chance(0.5):
            return (f"江西省赣州市{name}{self.pick(ROADS)}{self.randint(1, 399)}号{self.randint(1, 30)}栋"
                    f"{self.randint(1, 6)}单元{self.randint(1, 28)}{self.randint(1, 4):02d}室")
        return (f"江西省赣州市{name}{self.pick(ESTATES)}{self.pick(('花园', '小区', '家园', '新城'))}"
                f"{self.randint(1, 40)}栋{self.randint(1, 28)}{self.randint(1, 4):02d}室")

    def village(self, county: int) -> str:
        return (f"江西省赣州市{COUNTIES[county][0]}{self.pick(COUNTIES[county][2])}"
                f"{self.pick(VILLAGE_SYL)}{self.pick(VILLAGE_SYL)}村")

    def rural_address(self, county: int, village: str | None = None) -> str:
        village = village or self.village(county)
        return f"{village}{self.randint(1, 12)}组{self.randint(1, 99)}号"

    def new_address(self, county: int, rural: bool = False, village: str | None = None) -> str:
        """An address nobody in the book lives at yet."""
        while True:
            address = self.rural_address(county, village) if rural else self.urban_address(county)
            if address not in self.address_seen:
                self.address_seen.add(address)
                return address

    # ------------------------------------------------------------------ population
    def build_agents(self) -> None:
        n = max(30, self.n // 60)
        rng = self.rng
        self.agent_county = rng.choice(N_COUNTIES, size=n, p=COUNTY_P)
        self.agent_name = [self.person_name() for _ in range(n)]
        self.agent_phone = self.numbers.mobiles(n)
        hire = rng.integers(_day(2005, 1, 1), _day(2021, 12, 31), size=n)
        status = rng.choice(3, size=n, p=[0.65, 0.30, 0.05])
        leave = np.full(n, -1)
        gone = status > 0
        lo = np.maximum(hire + 365, _day(2016, 1, 1))
        leave[gone] = rng.integers(lo[gone], _day(2024, 10, 31))
        # Books handed over when an agent leaves mostly date from the last years.
        recent = gone & (rng.random(n) < 0.55)
        leave[recent] = rng.integers(np.maximum(lo[recent], _day(2022, 1, 1)), _day(2024, 10, 31))
        self.agent_hire, self.agent_status, self.agent_leave = hire, status, leave
        self.agent_habit = rng.random(n) < 0.12
        self.agent_weight = rng.lognormal(0, 0.6, size=n)
        self.agent_ids = [f"GZ{v:06d}" for v in
                          (rng.choice(900_000, size=n, replace=False) + 100_000).tolist()]
        self.county_agents = [np.flatnonzero(self.agent_county == c) for c in range(N_COUNTIES)]
        for c in range(N_COUNTIES):  # every county has agents
            if not len(self.county_agents[c]):
                self.county_agents[c] = np.array([int(rng.integers(n))])

    def build_customers(self) -> None:
        rng, n = self.rng, self.n
        sizes = rng.choice([1, 2, 3, 4], size=n, p=[0.58, 0.29, 0.09, 0.04])
        cut = int(np.searchsorted(np.cumsum(sizes), n)) + 1
        sizes = sizes[:cut]
        sizes[-1] -= int(sizes.sum()) - n
        sizes = sizes[sizes > 0]
        h = len(sizes)
        hh = np.repeat(np.arange(h), sizes)
        first = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        role = np.arange(n) - first[hh]  # 0 head, 1 spouse, 2+ child or parent
        self.hh, self.hh_first, self.hh_size = hh, first, sizes
        self.hh_county = rng.choice(N_COUNTIES, size=h, p=COUNTY_P)
        rural_share = np.where(np.arange(N_COUNTIES) == 0, 0.1, 0.5)
        self.hh_rural = rng.random(h) < rural_share[self.hh_county]
        county = self.hh_county[hh]
        head_age = np.clip(rng.normal(50, 13, size=h), 24, 86).astype(int)
        head_male = rng.random(h) < 0.55
        age = head_age[hh].copy()
        male = head_male[hh].copy()
        spouse = role == 1
        age[spouse] += rng.integers(-6, 7, size=int(spouse.sum()))
        male[spouse] = ~male[spouse]
        other = role >= 2
        is_child = other & ((head_age[hh] >= 50) | (rng.random(n) < 0.5)) & (head_age[hh] >= 45)
        is_parent = other & ~is_child
        age[is_child] -= rng.integers(22, 33, size=int(is_child.sum()))
        age[is_parent] += rng.integers(22, 31, size=int(is_parent.sum()))
        age = np.clip(age, 18, 95)
        male[other] = rng.random(int(other.sum())) < 0.5
        surname = rng.choice(len(SURNAMES), size=n, p=SURNAME_P)
        family = np.where(head_male, surname[first], surname[np.minimum(first + 1, n - 1)])
        family = np.where(sizes >= 2, family, surname[first])
        surname[is_child] = family[hh[is_child]]
        father = is_parent & (rng.random(n) < 0.5)  # the head's father shares the surname
        surname[father] = surname[first[hh[father]]]
        male[father] = True
        self.county, self.age, self.male = county, age, male
        pools = (np.array(FEMALE_CHARS), np.array(MALE_CHARS))
        g1 = np.where(male, rng.choice(pools[1], n), rng.choice(pools[0], n))
        g2 = np.where(male, rng.choice(pools[1], n), rng.choice(pools[0], n))
        two = rng.random(n) < 0.7
        sn = np.array(SURNAMES)[surname]
        self.name = [s + a + (b if t else "") for s, a, b, t in
                     zip(sn.tolist(), g1.tolist(), g2.tolist(), two.tolist(), strict=True)]
        self.surname = sn.tolist()
        birth = np.array([_day(2024 - int(a), 1, 1) for a in age.tolist()]) + rng.integers(0, 365, n)
        self.id_number = self.numbers.id_numbers(county, birth, male)
        self.id_missing = rng.random(n) < 0.01
        self.address_seen: set[str] = set()
        addresses = [self.new_address(c, rural) for c, rural in
                     zip(self.hh_county.tolist(), self.hh_rural.tolist(), strict=True)]
        self.address = [addresses[k] for k in hh.tolist()]
        own_phone_p = np.where(age < 60, 0.97, np.where(age < 75, 0.88, 0.65))
        self.has_own_phone = rng.random(n) < own_phone_p
        self.own_phone = np.array([""] * n, dtype=object)
        idx = np.flatnonzero(self.has_own_phone)
        self.own_phone[idx] = self.numbers.mobiles(len(idx))
        self.has_card = rng.random(n) < 0.85
        self.card = np.array([""] * n, dtype=object)
        idx = np.flatnonzero(self.has_card)
        self.card[idx] = self.numbers.cards(len(idx))
        self.card_holder = np.arange(n)  # whose name the registered card is in
        self.phone = self.own_phone.copy()  # registered phone, filled in after policies
        self.used = np.zeros(n, bool)

    def build_policies(self) -> None:
        rng, n = self.rng, self.n
        count = np.minimum(1 + rng.poisson(0.33, size=n), 4)
        cust = np.repeat(np.arange(n), count)
        m = len(cust)
        hh_agent = np.empty(len(self.hh_size), np.int64)
        for c in range(N_COUNTIES):
            rows = np.flatnonzero(self.hh_county == c)
            pool = self.county_agents[c]
            w = self.agent_weight[pool] / self.agent_weight[pool].sum()
            hh_agent[rows] = rng.choice(pool, size=len(rows), p=w)
        agent = hh_agent[self.hh[cust]]
        stray = rng.random(m) < 0.15
        county = self.county[cust]
        for c in range(N_COUNTIES):
            rows = np.flatnonzero(stray & (county == c))
            agent[rows] = rng.choice(self.county_agents[c], size=len(rows))
        lo = np.maximum(self.agent_hire[agent] + 30, SALES_START)
        leave = self.agent_leave[agent]
        hi = np.where(leave > 0, np.minimum(leave - 30, SALES_END), SALES_END)
        hi = np.maximum(hi, lo + 1)
        issue = lo + (rng.random(m) * (hi - lo)).astype(np.int64)
        product = rng.choice(len(PRODUCTS), size=m, p=PRODUCT_P)
        annual = np.array([PRODUCTS[p][2][i % len(PRODUCTS[p][2])] for p, i in
                           zip(product.tolist(), rng.integers(0, 12, m).tolist(), strict=True)])
        self.pol_cust, self.pol_agent, self.pol_issue = cust, agent, issue
        self.pol_product, self.pol_annual = product, annual
        self.pol_surrendered = np.zeros(m, bool)
        self.pol_ids = [f"88{v:012d}" for v in rng.choice(10**12, size=m, replace=False).tolist()]
        self.cust_pol_start = np.concatenate([[0], np.cumsum(count)])

    def assign_contact_phones(self) -> None:
        """Registered phones for customers without one of their own, and the clerks' hubs."""
        rng, n = self.rng, self.n
        self.branch_line = [self.numbers.fixed_line() for _ in range(N_COUNTIES)]
        self.hotline = self.numbers.fixed_line("400", 1)
        first_agent = self.pol_agent[self.cust_pol_start[:-1]]
        for i in np.flatnonzero(~self.has_own_phone).tolist():
            h = self.hh[i]
            mates = [j for j in range(self.hh_first[h], self.hh_first[h] + self.hh_size[h])
                     if j != i and self.has_own_phone[j]]
            agent = first_agent[i]
            u = rng.random()
            if mates and u < 0.7:
                self.phone[i] = self.own_phone[self.pick(mates)]
            elif self.county[i] in LANDLINE_BRANCHES and rng.random() < 0.7:
                self.phone[i] = self.branch_line[self.county[i]]
            elif rng.random() < 0.15:
                self.phone[i] = self.hotline
            elif self.agent_habit[agent] and rng.random() < 0.6:
                self.phone[i] = self.agent_phone[agent]
        in_branch = np.isin(self.county, LANDLINE_BRANCHES) & self.has_own_phone
        lazy = np.flatnonzero(in_branch & (rng.random(n) < 0.03))
        for i in lazy.tolist():
            self.phone[i] = self.branch_line[self.county[i]]
        for i in np.flatnonzero(self.has_own_phone & (rng.random(n) < 0.005)).tolist():
            self.phone[i] = self.hotline
        # Some spouses are registered with their partner's number.
        for h in np.flatnonzero(self.hh_size >= 2).tolist():
            if rng.random() < 0.08:
                a, b = int(self.hh_first[h]), int(self.hh_first[h]) + 1
                if self.own_phone[a]:
                    self.phone[b] = self.own_phone[a]
        for h in np.flatnonzero(self.hh_size >= 2).tolist():
            if rng.random() < 0.03:
                a, b = int(self.hh_first[h]), int(self.hh_first[h]) + 1
                if self.card[a]:
                    self.card[b], self.card_holder[b] = self.card[a], a

    # ------------------------------------------------------------------ money and policies
    def premiums_paid(self, pol: int, day: int) -> float:
        years = (day - int(self.pol_issue[pol])) // 365 + 1
        return float(self.pol_annual[pol] * min(max(years, 1), PRODUCTS[self.pol_product[pol]][3]))

    def cash_value(self, pol: int, day: int) -> float:
        year = min((day - int(self.pol_issue[pol])) // 365, len(CASH_RATIO) - 1)
        ratio = CASH_RATIO[year] * PRODUCTS[self.pol_product[pol]][4] * self.uniform(0.93, 1.05)
        return round(self.premiums_paid(pol, day) * min(ratio, 1.08), 2)

    def policies_of(self, cust: int) -> range:
        return range(int(self.cust_pol_start[cust]), int(self.cust_pol_start[cust + 1]))

    def free_policy(self, cust: int, day: int, agent: int = -1, product: int = -1) -> int:
        options = [p for p in self.policies_of(cust) if not self.pol_surrendered[p]
                   and self.pol_issue[p] < day - 60
                   and (agent < 0 or self.pol_agent[p] == agent)
                   and (product < 0 or self.pol_product[p] == product)]
        if not options:
            return -1
        p = self.pick(options)
        self.pol_surrendered[p] = True
        return int(p)

    def own_payout(self, cust: int) -> tuple[str, str]:
        """The customer's registered card and the name it is in (a spouse's, now and then)."""
        card = str(self.card[cust])
        return (card, self.name[int(self.card_holder[cust])]) if card else ("", "")

    def phone_at(self, cust: int, day: int) -> str:
        change = self.phone_changed.get(cust)
        if change is not None and change[0] > day:
            return change[1]
        return str(self.phone[cust])

    def household(self, cust: int) -> list[int]:
        h = int(self.hh[cust])
        return list(range(int(self.hh_first[h]), int(self.hh_first[h] + self.hh_size[h])))

    def change_phone(self, cust: int, day: int, new: str, channel: str) -> None:
        old = str(self.phone[cust])
        self.phone_changed[cust] = (day, old, new)
        self.phone[cust] = new
        self.changes.append({"cust": cust, "day": day, "field": "phone", "old": old, "new": new,
                             "channel": channel})

    def new_claim(self, cust: int, pol: int, day: int, **kw: Any) -> _Claim:
        payout, payout_name = self.own_payout(cust)
        defaults: dict[str, Any] = {
            "channel": "counter", "reason_code": "", "reason_text": "",
            "phone": self.phone_at(cust, day), "payout": payout, "payout_name": payout_name}
        defaults.update(kw)
        if not defaults["reason_code"]:
            code, texts = ORDINARY_REASONS[int(self.rng.choice(len(ORDINARY_REASONS), p=ORDINARY_P))]
            defaults["reason_code"], defaults["reason_text"] = code, self.pick(texts)
        claim = _Claim(cust=cust, policy=pol, day=day, **defaults)
        self.used[cust] = True
        self.claims.append(claim)
        return claim

    def complaint_reason(self) -> tuple[str, str]:
        code, texts = COMPLAINT_REASONS[int(self.rng.choice(len(COMPLAINT_REASONS), p=COMPLAINT_P))]
        return code, self.pick(texts)

    # ------------------------------------------------------------------ letters
    def slots(self, cust: int, pol: int, day: int) -> dict[str, str]:
        agent = int(self.pol_agent[pol])
        return {"name": self.name[cust], "year": str(_date(int(self.pol_issue[pol])).year),
                "agent": self.agent_name[agent] if self.chance(0.85) else "该业务员",
                "product": PRODUCTS[self.pol_product[pol]][0],
                "amount": f"{self.premiums_paid(pol, day):.0f}", "policy": self.pol_ids[pol],
                "age": str(int(self.age[cust])), "annual": f"{self.pol_annual[pol]:.0f}"}

    def swap_words(self, text: str, p: float) -> str:
        for word, options in SYNONYMS:
            if word in text and self.chance(p):
                text = text.replace(word, self.pick(options))
        return text

    def honest_copy(self, template: int, slots: dict[str, str]) -> str:
        """A person's own edit of a public template: drop, swap, add a line or two."""
        lines = [s for k, s in enumerate(PUBLIC_TEMPLATES[template]) if k == 0 or not self.chance(0.15)]
        if self.chance(0.4):
            lines.insert(self.randint(1, len(lines)), self.pick(PERSONAL_LINES))
        if self.chance(0.12):
            lines.insert(self.randint(1, len(lines)), self.pick(COACHING_LINES))
        return self.swap_words("".join(lines).format(**slots), 0.25)

    def own_letter(self, slots: dict[str, str]) -> str:
        k = self.randint(2, 5)
        picks = self.rng.choice(len(OWN_LETTER_LINES), size=k, replace=False)
        lines = [OWN_LETTER_LINES[i] for i in picks.tolist()]
        if self.chance(0.5):
            lines.append(self.pick(PERSONAL_LINES))
        return "".join(lines).format(**slots)

    def ring_letter(self, public: int | None) -> tuple[str, ...]:
        """A ring's own version, fixed once: from a public template or a private mix."""
        if public is not None:
            lines = list(PUBLIC_TEMPLATES[public])
            for _ in range(self.randint(1, 2)):
                if len(lines) > 4:
                    lines.pop(self.randint(1, len(lines) - 2))
        else:
            sources = self.rng.choice(len(PUBLIC_TEMPLATES), size=3, replace=False).tolist()
            lines = [self.pick(PUBLIC_TEMPLATES[s][1:]) for s in sources]
            lines.insert(0, PUBLIC_TEMPLATES[sources[0]][0])
        for k in self.rng.choice(len(COACHING_LINES), size=self.randint(1, 2), replace=False).tolist():
            lines.insert(self.randint(1, len(lines)), COACHING_LINES[k])
        return tuple(self.swap_words(s, 0.5) for s in lines)

    def ring_copy(self, ring: _Ring, slots: dict[str, str]) -> str:
        lines = [s for k, s in enumerate(ring.letter) if k == 0 or not self.chance(0.05)]
        return self.swap_words("".join(lines).format(**slots), 0.05)

    def add_complaint(self, cust: int, pol: int, day: int, text: str, channel: str,
                      phone: str, mailing: str = "") -> None:
        self.complaints.append({"cust": cust, "pol": pol if self.chance(0.9) else -1,
                                "day": int(min(day, EXPORT - 1)), "channel": channel,
                                "text": text, "phone": phone, "mailing": mailing})

    # ------------------------------------------------------------------ choosing customers
    def candidates(self, mask: np.ndarray, weights: np.ndarray | None, k: int) -> list[int]:
        """Up to ``k`` unused customers where ``mask`` holds, drawn by ``weights``."""
        pool = np.flatnonzero(mask & ~self.used)
        if not len(pool):
            return []
        k = min(k, len(pool))
        w = None if weights is None else weights[pool] / weights[pool].sum()
        return [int(i) for i in self.rng.choice(pool, size=k, replace=False, p=w).tolist()]

    # ------------------------------------------------------------------ rings
    def ring_sizes(self) -> list[int]:
        sizes = []
        for _ in range(self.n_rings):
            u = self.rng.random()
            sizes.append(self.randint(3, 6) if u < 0.4 else self.randint(7, 15) if u < 0.75
                         else self.randint(16, 40))
        return sizes

    def build_rings(self) -> None:
        sizes = self.ring_sizes()
        # Ads reach everyone; those over 55 with large premiums paid answer them most.
        paid = np.bincount(self.pol_cust, weights=self.pol_annual, minlength=self.n)
        self.recruit_weight = np.where(self.age >= 55, 3.0, 1.0) * (1.0 + paid / 10_000)
        order = self.rng.permutation(len(PUBLIC_TEMPLATES)).tolist()
        for index, size in enumerate(sizes):
            ring = _Ring(index=index, size=size)
            if index < 2:  # two rings share one public template, with overlapping dates
                ring.public_template = order[0]
            elif self.chance(0.7):
                ring.public_template = int(self.rng.choice(len(PUBLIC_TEMPLATES), p=TEMPLATE_P))
            self.setup_ring(ring)
            if index == 1:
                ring.start = max(START, self.rings[0].start + self.randint(-20, 40))
                ring.start = min(ring.start, END - ring.span)
            self.rings.append(ring)
            self.recruit(ring)

    def setup_ring(self, ring: _Ring) -> None:
        r = ring
        home = self.pick(range(N_COUNTIES)) if self.chance(0.7) else 0
        r.organiser = self.person(28, 55, county=home)
        if self.chance(0.4):
            r.company = (f"赣州{self.pick(COMPANY_WORDS)}{self.pick(('法律咨询', '商务信息咨询', '企业管理咨询', '保险维权服务'))}"
                         f"有限公司")
        n_phones = min(2 + int(self.rng.geometric(0.55)) - 1, 5)
        r.phones = self.numbers.mobiles(n_phones)
        r.old_phone = self.numbers.mobiles(1)[0]
        r.fresh_sims = self.chance(0.3)
        if r.fresh_sims and self.chance(0.5):
            r.sim_block = f"{self.rng.choice(MOBILE_PREFIXES, p=MOBILE_P)}{self.randint(0, 99999):05d}"
        front = self.person(25, 60, county=home)
        holders = [r.organiser.name, front.name] + ([r.company] if r.company else [])
        n_groups = self.randint(2, 3) if r.size >= 10 and self.chance(0.5) else 1
        for _ in range(n_groups):
            k = 1 if self.chance(0.6) else 2
            r.accounts.append([(c, self.pick(holders)) for c in self.numbers.cards(k)])
        n_reps = int(self.rng.choice([0, 1, 2], p=[0.3, 0.5, 0.2]))
        for _ in range(n_reps):
            rep = self.person(25, 55, county=home)
            if self.chance(0.5):
                rep.phone = self.pick(r.phones)
            r.reps.append(rep)
        r.addresses = [self.new_address(home) if self.chance(0.85) else
                       f"广东省深圳市福田区{self.pick(ROADS)}{self.randint(1, 300)}号{self.randint(5, 30)}{self.randint(1, 20):02d}室"]
        if self.chance(0.2):
            r.addresses.append(self.new_address(home))
        r.letter = self.ring_letter(r.public_template if r.public_template >= 0 else None)
        r.rates = {"phone": self.uniform(0.3, 0.8), "pay": self.uniform(0.2, 0.7),
                   "rep": self.uniform(0.15, 0.6) if r.reps else 0.0,
                   "change": self.uniform(0.1, 0.5), "complaint": self.uniform(0.6, 0.95),
                   "mail": self.uniform(0.3, 0.9), "full": self.uniform(0.6, 0.95),
                   "stealth": self.uniform(0.1, 0.35), "coached": self.uniform(0.1, 0.35)}
        r.span = self.randint(14, 240)
        r.start = self.randint(START, END - r.span)

    def recruit(self, ring: _Ring) -> None:
        """Pick the ring's members and write their claims, complaints and phone changes."""
        r = ring
        members: list[tuple[int, int]] = []  # (customer, policy)
        age_w = self.recruit_weight
        if r.index != 1 and self.chance(0.35):
            ok = (self.agent_status > 0) & (self.agent_leave > START - 200) & (self.agent_leave < END - 120)
            book = np.bincount(self.pol_agent[~self.pol_surrendered], minlength=len(ok))
            options = np.flatnonzero(ok & (book >= r.size * 2))
            if len(options):
                r.ex_agent = int(self.pick(options))
                r.counties = [int(self.agent_county[r.ex_agent])]
                r.start = min(int(self.agent_leave[r.ex_agent]) + self.randint(15, 120), END - 14)
                r.span = min(self.randint(14, 120), END - r.start)
        if r.ex_agent < 0:
            r.counties = [int(c) for c in self.rng.choice(N_COUNTIES, size=self.randint(1, 3),
                                                            replace=False, p=COUNTY_P).tolist()]
        if r.ex_agent >= 0:
            held = np.zeros(self.n, bool)
            held[self.pol_cust[(self.pol_agent == r.ex_agent) & (self.pol_issue < r.start - 60)]] = True
            pool = self.candidates(held, age_w, r.size * 2)
        else:
            pool = self.candidates(np.isin(self.county, r.counties), self.recruit_weight, r.size * 3)
        couples = r.ex_agent < 0 and self.chance(0.3)
        for cust in pool:
            if len(members) >= r.size:
                break
            if self.used[cust]:
                continue
            group = [cust]
            if couples:
                group += [j for j in self.household(cust) if j != cust and not self.used[j]][:1]
            for c in group:
                pol = self.free_policy(c, r.start, agent=r.ex_agent)
                if pol < 0 and r.ex_agent < 0:
                    pol = self.free_policy(c, r.start)
                if pol < 0:
                    continue
                self.used[c] = True
                members.append((c, pol))
                if len(members) < r.size and self.chance(0.08):
                    second = self.free_policy(c, r.start, agent=r.ex_agent)
                    if second >= 0:
                        members.append((c, second))
        members = members[:r.size]
        r.size = len(members)
        roles = self.ring_roles(r)
        groups = len(r.accounts)
        # Sub-groups come one after another; members visit in small groups on one day.
        group_of = sorted(self.rng.integers(0, groups, size=r.size).tolist())
        days = []
        for g in group_of:
            lo = r.start + (r.span * g) // groups
            hi = r.start + (r.span * (g + 1)) // groups
            days.append(self.randint(lo, max(lo, hi)))
        for k in range(1, len(days)):
            if group_of[k] == group_of[k - 1] and self.chance(0.3):
                days[k] = days[k - 1]
        n_ph = len(r.phones)
        r.phone_windows = [(r.start + (r.span * k) // n_ph - 10, r.start + (r.span * (k + 1)) // n_ph + 10)
                           for k in range(n_ph)]
        ex_rep = None
        if r.ex_agent >= 0 and self.chance(0.3):
            ex_rep = self.person(30, 55, county=r.counties[0])
            ex_rep.name, ex_rep.phone = self.agent_name[r.ex_agent], self.agent_phone[r.ex_agent]
            r.reps.append(ex_rep)
            r.rates["rep"] = max(r.rates["rep"], 0.3)
        sims = (self.numbers.mobiles(r.size, r.sim_block) if r.fresh_sims else [])
        for k, ((cust, pol), role, g, day) in enumerate(zip(members, roles, group_of, days,
                                                            strict=True)):
            day = int(min(max(day, int(self.pol_issue[pol]) + 61), END))
            self.ring_member(r, cust, pol, role, g, day, sims[k] if sims else "")
        self.list_on_watchlist(r)
        r.roles = {role: roles.count(role) for role in ("full", "coached", "stealth")}

    def ring_roles(self, r: _Ring) -> list[str]:
        roles = ["stealth" if u < r.rates["stealth"] else
                 "coached" if u < r.rates["stealth"] + r.rates["coached"] else "full"
                 for u in self.rng.random(r.size).tolist()]
        if r.size >= 6 and "stealth" not in roles and "coached" not in roles:
            roles[self.randint(0, r.size - 1)] = self.pick(("stealth", "coached"))
        if r.size >= 3 and roles.count("full") == 0:
            roles[0] = "full"
        return roles

    def ring_phone(self, r: _Ring, day: int) -> str:
        active = [p for p, (lo, hi) in zip(r.phones, r.phone_windows, strict=True) if lo <= day <= hi]
        return self.pick(active or r.phones)

    def ring_member(self, r: _Ring, cust: int, pol: int, role: str, group: int, day: int,
                    sim: str) -> None:
        rates = dict(r.rates)
        if role == "coached":
            rates = {k: v * 0.5 for k, v in rates.items()}
        shared = role != "stealth"
        use = {trick: shared and self.chance(rates[trick]) for trick in ("phone", "pay", "rep", "change")}
        use["mail"] = shared and self.chance(rates["mail"])
        complains = self.chance(rates["complaint"] if role != "coached" else 0.3)
        if role == "stealth":
            complains = self.chance(0.85 if r.ex_agent < 0 else 0.6)
        if role == "full" and not any(use.values()):
            use[self.pick(("phone", "pay", "rep", "change", "mail"))] = True
        if use["rep"] and not r.reps:
            use["rep"], use["phone"] = False, True
        if use["mail"]:
            complains = True
        if use["change"] and cust in self.phone_changed:
            use["change"], use["phone"] = False, True
        own_phone = self.phone_at(cust, day)
        phone = own_phone
        if use["change"]:
            new = sim or self.ring_phone(r, day)
            change_day = day - self.randint(3, 45)
            self.change_phone(cust, change_day, new, self.pick(("counter", "phone", "online")))
            own_phone = new
            phone = new if self.chance(0.85) else ""
        if use["phone"]:
            phone = self.ring_phone(r, day)
        full = role != "coached" and self.chance(r.rates["full"])
        if full or (role != "coached" and self.chance(0.5)):
            code, text = self.complaint_reason()
        else:
            code, texts = ORDINARY_REASONS[int(self.rng.choice(len(ORDINARY_REASONS), p=ORDINARY_P))]
            text = self.pick(texts)
        payout, payout_name = self.own_payout(cust)
        if use["pay"]:
            payout, payout_name = self.pick(r.accounts[group])
        elif not payout or self.chance(0.1):  # a new card in the member's own name
            payout, payout_name = self.numbers.cards(1)[0], self.name[cust]
        rep = self.pick(r.reps) if use["rep"] else None
        channel = "counter" if rep else self.pick(("counter", "counter", "mail", "online"))
        claim = self.new_claim(cust, pol, day, channel=channel, reason_code=code, reason_text=text,
                               phone=phone, payout=payout, payout_name=payout_name,
                               refund_type="full_premium" if full else "cash_value", rep=rep,
                               ring=r.index, kind=role)
        if rep is not None and self.chance(0.3):
            claim.rep_phone = self.ring_phone(r, day)
        if complains:
            slots = self.slots(cust, pol, day)
            text = self.ring_copy(r, slots)
            mailing = self.pick(r.addresses) if use["mail"] else (
                self.address[cust] if self.chance(0.3) else "")
            c_phone = (self.ring_phone(r, day) if shared and self.chance(rates["phone"])
                       else own_phone)
            c_day = day - self.randint(3, 40) if self.chance(0.7) else day + self.randint(0, 10)
            channel = "letter" if mailing else self.pick(("regulator_hotline", "counter", "online"))
            self.add_complaint(cust, pol, c_day, text, channel, c_phone, mailing)
            if self.chance(0.2):
                follow = (f"此前已向贵公司反映{PRODUCTS[self.pol_product[pol]][0]}销售误导问题，至今未得到处理，"
                          f"现向监管部门投诉，要求全额退还保费{slots['amount']}元。")
                self.add_complaint(cust, pol, c_day + self.randint(7, 30), follow,
                                   "regulator_hotline", c_phone, mailing)

    def list_on_watchlist(self, r: _Ring) -> None:
        if not self.chance(0.35):
            return
        assert r.organiser is not None
        who = r.company or r.organiser.name
        kind = "intermediary_company" if r.company else "intermediary_person"
        first_seen = r.start - self.randint(60, 400)
        entries = [("phone", r.old_phone, first_seen)]
        if self.chance(0.5):
            entries.append(("phone", r.phones[0], r.start + self.randint(0, max(1, r.span))))
        if self.chance(0.3):
            entries.append(("id_number", r.organiser.id_number, first_seen))
        if self.chance(0.3):
            entries.append(("bank_account", r.accounts[0][0][0], r.start + self.randint(-200, r.span)))
        if self.chance(0.2):
            entries.append(("address", r.addresses[0], first_seen))
        for kind_of, value, added in entries:
            self.watchlist.append({"name": who, "kind": kind, "type": kind_of, "value": value,
                                   "day": int(min(added, EXPORT - 1))})

    # ------------------------------------------------------------------ honest look-alikes
    def institutional(self) -> None:
        kinds = ("care_home", "village", "guardian", "hr_clerk")
        for k in range(self.scaled(6, minimum=4)):
            getattr(self, "_" + kinds[k % 4])(self.pick(range(N_COUNTIES)))

    def _spread_claims(self, people: list[int], n_claims: int, rep_of: Any,
                       fields: Any) -> None:
        """Claims for ``n_claims`` of ``people`` spread over the two years; ``fields(cust, day)``
        gives the request's own fields (phone, payout, reason ...)."""
        for cust in people[:n_claims]:
            day = self.randint(START, END)
            pol = self.free_policy(cust, day)
            if pol < 0:
                continue
            self.new_claim(cust, pol, day, rep=rep_of(day), kind="institutional", **fields(cust, day))

    def _care_home(self, county: int) -> None:
        home = f"{self.pick(COUNTIES[county][2])}{self.pick(('福寿', '康乐', '夕阳红', '颐养'))}养老院"
        address = f"江西省赣州市{COUNTIES[county][0]}{home}"
        line = self.numbers.fixed_line()
        account = self.numbers.cards(1)[0]
        single = self.hh_size[self.hh] == 1
        residents = self.candidates(single & (self.age >= 68) & (self.county == county), None,
                                    self.randint(15, 40))
        for cust in residents:
            self.address[cust] = address
            if not self.has_own_phone[cust] or self.chance(0.5):
                self.phone[cust] = line
        workers = [self.person(30, 55, county=county, card=False) for _ in range(2)]
        switch = self.randint(START, END)
        self.used[residents] = True

        def fields(cust: int, day: int) -> dict[str, Any]:
            to_home = self.chance(0.3) or not self.card[cust]
            payout, name = (account, home) if to_home else self.own_payout(cust)
            return {"reason_code": self.pick(("medical_expense", "financial_need")),
                    "reason_text": self.pick(("支付养老院费用", "住院治疗", "")),
                    "payout": payout, "payout_name": name,
                    "phone": line if self.chance(0.7) else self.phone_at(cust, day)}

        self._spread_claims(residents, self.randint(8, 25), lambda day: workers[int(day > switch)],
                            fields)

    def _village(self, county: int) -> None:
        village = self.village(county)
        line = self.numbers.fixed_line()
        clerk = self.person(35, 60, county=county)
        rural = self.hh_rural[self.hh] & (self.county == county)
        people = self.candidates(rural, np.where(self.age >= 55, 2.0, 1.0), self.randint(20, 60))
        for h in sorted({int(self.hh[c]) for c in people}):
            address = self.new_address(county, rural=True, village=village)
            for j in self.household(self.hh_first[h]):
                self.address[j] = address
        self.used[people] = True
        self._spread_claims(people, self.randint(8, 20), lambda day: clerk, lambda c, d: {
            "phone": (clerk.phone if self.chance(0.4) else line if self.chance(0.33)
                      else self.phone_at(c, d)),
            "reason_text": self.pick(("", "村委会代办"))})

    def _guardian(self, county: int) -> None:
        guardian = self.person(35, 60, county=county)
        wards = self.candidates(self.county == county, np.where(self.age >= 70, 4.0, 0.3),
                                self.randint(4, 10))
        self.used[wards] = True

        def fields(cust: int, day: int) -> dict[str, Any]:
            to_guardian = self.chance(0.3) or not self.card[cust]
            payout, name = (guardian.card, guardian.name) if to_guardian else self.own_payout(cust)
            return {"reason_code": "medical_expense", "reason_text": "监护人代为办理，用于被监护人治疗",
                    "phone": guardian.phone if self.chance(0.7) else self.phone_at(cust, day),
                    "payout": payout, "payout_name": name}

        self._spread_claims(wards, len(wards), lambda day: guardian, fields)

    def _hr_clerk(self, county: int) -> None:
        company = f"赣州{self.pick(COMPANY_WORDS)}{self.pick(('实业', '电子', '鞋业', '稀土材料', '食品'))}有限公司"
        line = self.numbers.fixed_line()
        clerk = self.person(25, 45, county=county)
        agent = int(self.pick(self.county_agents[county]))
        staff = self.candidates((self.county == county) & (self.age < 58), None, self.randint(80, 250))
        sale = self.randint(_day(2017, 1, 1), _day(2021, 6, 30))
        if self.agent_leave[agent] > 0:
            sale = min(sale, int(self.agent_leave[agent]) - 60)
        for cust in staff:
            p = int(self.cust_pol_start[cust])
            self.pol_agent[p] = agent
            self.pol_issue[p] = max(sale + self.randint(0, 5), int(self.agent_hire[agent]) + 30)
            if self.chance(0.35):
                self.phone[cust] = line
        leavers = [int(c) for c in self.rng.permutation(staff).tolist()] if staff else []
        self.used[staff] = True
        self._spread_claims(leavers, self.randint(10, 30), lambda day: clerk, lambda c, d: {
            "reason_code": self.pick(("other", "financial_need")),
            "reason_text": self.pick(("员工离职", f"{company}员工离职", "")),
            "phone": line if self.chance(0.6) else self.phone_at(c, d),
            "channel": self.pick(("counter", "agent"))})

    def family_representatives(self) -> None:
        couples = np.flatnonzero(self.hh_size >= 2)
        elderly = couples[(self.age[self.hh_first[couples]] >= 58)]
        for _ in range(self.scaled(15)):
            if len(elderly) < 2:
                return
            a, b = (int(x) for x in self.rng.choice(elderly, size=2, replace=False))
            if self.hh_county[a] != self.hh_county[b]:
                same = elderly[self.hh_county[elderly] == self.hh_county[a]]
                b = int(self.pick(same)) if len(same) > 1 else b
            people = [c for c in self.household(int(self.hh_first[a]))[:2]
                      + self.household(int(self.hh_first[b]))[:2] if not self.used[c]]
            people = people[:self.randint(2, 4)]
            if len(people) < 2:
                continue
            head = int(self.hh_first[a])
            father = head if self.male[head] else head + 1
            child = self.person(28, 45, surname=self.surname[father], county=int(self.county[father]))
            day0 = self.randint(START, END - 21)
            pays_child = self.chance(0.6)
            for cust in people:
                own = self.own_payout(cust)
                day = day0 + self.randint(0, 21)
                pol = self.free_policy(cust, day)
                if pol < 0:
                    continue
                code, text = self.pick((("medical_expense", "父亲住院需要用钱"), ("financial_need", ""),
                                        ("house_purchase", "帮子女买房")))
                self.new_claim(cust, pol, day, reason_code=code, reason_text=text, rep=child,
                               phone=child.phone if self.chance(0.8) else self.phone_at(cust, day),
                               payout=child.card if pays_child else own[0],
                               payout_name=child.name if pays_child else own[1],
                               kind="family_rep")

    def mass_events(self) -> None:
        for _ in range(max(1, round(self.scale))):
            county = int(self.rng.choice(N_COUNTIES, p=COUNTY_P))
            day0 = self.randint(START + 30, END - 60)
            old, new = self.pick(("4.5", "4.0", "3.8")), self.pick(("3.0", "2.85", "2.5"))
            # One branch's sales team tells its customers about the cut.
            team = self.rng.permutation(self.county_agents[county])[:15]
            holders = np.unique(self.pol_cust[(self.pol_product == UNIVERSAL)
                                              & np.isin(self.pol_agent, team)
                                              & (self.pol_issue < day0 - 90)])
            holders = holders[~self.used[holders]]
            for cust in holders.tolist():
                if not self.chance(0.35):
                    continue
                day = day0 + self.randint(0, 42)
                pol = self.free_policy(cust, day, product=UNIVERSAL)
                if pol < 0:
                    continue
                full = self.chance(0.04)
                text = self.pick(("结算利率下调", "万能账户结算利率下调，收益不及预期", "利率下调不满意"))
                claim = self.new_claim(cust, pol, day, reason_code="dissatisfied", reason_text=text,
                                       channel=self.pick(("counter", "agent", "online")),
                                       refund_type="full_premium" if full else "cash_value",
                                       kind="mass_event")
                self.agent_phone_habit(claim)
                if self.chance(0.08) or full:
                    letter = "".join(self.pick(RATE_CUT_LINES) for _ in range(2)).format(old=old, new=new)
                    self.add_complaint(cust, pol, day - self.randint(0, 10), letter,
                                       self.pick(("phone", "counter", "regulator_hotline")),
                                       self.phone_at(cust, day))

    def agent_phone_habit(self, claim: _Claim) -> None:
        agent = int(self.pol_agent[claim.policy])
        active = self.agent_leave[agent] < 0 or self.agent_leave[agent] > claim.day
        if (self.agent_habit[agent] and active and claim.channel in ("counter", "agent")
                and self.chance(0.6)):
            claim.phone = self.agent_phone[agent]

    def honest_complainers(self) -> None:
        everyone = np.ones(self.n, bool)
        for cust in self.candidates(everyone, np.where(self.age >= 50, 2.0, 1.0), self.scaled(150)):
            if self.used[cust]:
                continue
            template = int(self.rng.choice(len(PUBLIC_TEMPLATES), p=TEMPLATE_P))
            day = self.randint(max(START, TEMPLATE_SINCE[template]), END - 45)
            together = [cust]
            if self.chance(0.15):
                together += [j for j in self.household(cust) if j != cust and not self.used[j]][:1]
            full = self.chance(0.5)
            payout = self.own_payout(cust)
            for member in together:
                pol = self.free_policy(member, day)
                if pol < 0:
                    continue
                c_day = day + (0 if member == cust else self.randint(0, 3))
                text = self.honest_copy(template, self.slots(member, pol, c_day))
                mailing = self.address[member] if self.chance(0.25) else ""
                channel = "letter" if mailing else self.pick(("regulator_hotline", "counter",
                                                              "online", "regulator_hotline"))
                self.add_complaint(member, pol, c_day, text, channel, self.phone_at(member, c_day),
                                   mailing)
                r_day = min(c_day + self.randint(0, 40), END)
                code, reason = self.complaint_reason() if self.chance(0.75) else ("dissatisfied", "")
                kw: dict[str, Any] = {}
                if member != cust and payout[0] and self.chance(0.5):
                    kw = {"payout": payout[0], "payout_name": payout[1]}
                self.new_claim(member, pol, r_day, channel=self.pick(("counter", "mail")),
                               reason_code=code, reason_text=reason,
                               refund_type="full_premium" if full else "cash_value",
                               kind="honest_template", **kw)
        # template letters from customers who never surrender
        for cust in self.candidates(everyone, None, self.scaled(60)):
            template = int(self.rng.choice(len(PUBLIC_TEMPLATES), p=TEMPLATE_P))
            day = self.randint(max(START, TEMPLATE_SINCE[template]), END)
            pol = int(self.pick(self.policies_of(cust)))
            self.used[cust] = True
            self.add_complaint(cust, pol, day, self.honest_copy(template, self.slots(cust, pol, day)),
                               self.pick(COMPLAINT_CHANNELS), self.phone_at(cust, day),
                               self.address[cust] if self.chance(0.2) else "")
        for cust in self.candidates(everyone, None, self.scaled(50)):  # own letters, then surrender
            day = self.randint(START, END - 30)
            pol = self.free_policy(cust, day)
            if pol < 0:
                self.used[cust] = True
                continue
            self.add_complaint(cust, pol, day, self.own_letter(self.slots(cust, pol, day)),
                               self.pick(COMPLAINT_CHANNELS), self.phone_at(cust, day),
                               self.address[cust] if self.chance(0.2) else "")
            full = self.chance(0.35)
            code, reason = self.complaint_reason() if self.chance(0.7) else ("dissatisfied", "")
            self.new_claim(cust, pol, day + self.randint(0, 30), reason_code=code,
                           reason_text=reason, refund_type="full_premium" if full else "cash_value",
                           kind="honest_own_letter")
        for _ in range(self.scaled(120)):  # service complaints
            cust = int(self.rng.integers(self.n))
            pol = int(self.pick(self.policies_of(cust)))
            day = self.randint(START, END)
            text = self.pick(SERVICE_LINES) + (self.pick(PERSONAL_LINES) if self.chance(0.3) else "")
            self.add_complaint(cust, pol, day, text, self.pick(("phone", "counter", "online")),
                               self.phone_at(cust, day))

    def ordinary(self) -> None:
        rng = self.rng
        orphan = np.zeros(self.n, bool)
        gone = self.agent_status[self.pol_agent] > 0
        orphan[self.pol_cust[gone]] = True
        w = np.where(orphan, 1.6, 1.0) * np.where(self.age >= 60, 1.2, 1.0)
        people = self.candidates(np.ones(self.n, bool), w, self.scaled(1250))
        for cust in people:
            if self.used[cust]:
                continue
            first_pol = self.policies_of(cust)[0]
            agent = int(self.pol_agent[first_pol])
            leave = int(self.agent_leave[agent])
            if orphan[cust] and leave > START and self.chance(0.6):
                day = self.randint(min(leave, END - 1), END)
            else:
                day = self.randint(START, END)
            self.ordinary_claim(cust, day)
            mates = [j for j in self.household(cust) if j != cust and not self.used[j]]
            if mates and self.chance(0.25):
                mate = self.pick(mates)
                # A child who handles it changes both parents' numbers to his own.
                change = self.phone_changed.get(cust)
                shared = change[2] if change and change[0] > day - 60 and self.chance(0.6) else ""
                claim = self.ordinary_claim(mate, min(END, day + self.randint(0, 30)), shared)
                if claim is not None and self.card[cust] and rng.random() < 0.3:
                    claim.payout, claim.payout_name = self.own_payout(cust)

    def ordinary_claim(self, cust: int, day: int, new_phone: str = "") -> _Claim | None:
        """An ordinary request; 5 % after a phone change (to ``new_phone`` if given)."""
        pol = self.free_policy(cust, day)
        if pol < 0:
            return None
        if cust not in self.phone_changed and (new_phone or self.chance(0.05)):
            self.change_phone(cust, day - self.randint(5, 60),
                              new_phone or self.numbers.mobiles(1)[0],
                              self.pick(("counter", "phone", "online")))
        channel = str(self.rng.choice(("counter", "agent", "online", "mail"), p=(0.45, 0.25, 0.25, 0.05)))
        claim = self.new_claim(cust, pol, day, channel=channel)
        if self.chance(0.02):  # says at the counter it was mis-sold; no letter
            claim.reason_code, claim.reason_text = self.complaint_reason()
            claim.refund_type = "full_premium" if self.chance(0.3) else "cash_value"
        u = self.rng.random()
        mates = [j for j in self.household(cust) if j != cust]
        if u < 0.06 and mates:
            mate = self.pick(mates)
            if self.card[mate]:
                claim.payout, claim.payout_name = self.own_payout(mate)
        elif u < 0.06:
            claim.payout = self.numbers.cards(1)[0]
            claim.payout_name = self.person_name(surname=self.surname[cust])
        elif u < 0.16 or not claim.payout:
            claim.payout, claim.payout_name = self.numbers.cards(1)[0], self.name[cust]
        elif u < 0.19:
            claim.payout, claim.payout_name = "", ""
        u = self.rng.random()
        if u < 0.04:
            relative = self.pick(mates) if mates else -1
            claim.rep = (_Person(self.name[relative], self.id_number[relative],
                                 str(self.own_phone[relative]))
                         if relative >= 0 else self.person(25, 50, surname=self.surname[cust]))
        elif u < 0.09 and mates:
            claim.phone = str(self.phone[self.pick(mates)])
        elif u < 0.14:
            claim.phone = ""
        self.agent_phone_habit(claim)
        return claim

    def honest_changes(self) -> None:
        people = self.candidates(self.rng.random(self.n) < 0.06, None, self.n)
        for cust in people:
            day = self.randint(_day(2021, 1, 1), EXPORT - 5)
            u = self.rng.random()
            if u < 0.6 and cust not in self.phone_changed:
                self.change_phone(cust, day, self.numbers.mobiles(1)[0],
                                  self.pick(("counter", "phone", "online")))
            elif u < 0.85:
                new = self.new_address(int(self.county[cust]))
                self.changes.append({"cust": cust, "day": day, "field": "address",
                                     "old": self.address[cust], "new": new, "channel": "counter"})
                self.address[cust] = new
            else:
                new = self.numbers.cards(1)[0]
                self.changes.append({"cust": cust, "day": day, "field": "bank_account",
                                     "old": str(self.card[cust]), "new": new, "channel": "counter"})
                self.card[cust], self.card_holder[cust] = new, cust

    def watchlist_noise(self) -> None:
        for _ in range(self.scaled(20)):
            owner = self.person(28, 55)
            kind = self.pick(("phone", "phone", "bank_account", "id_number", "address"))
            value = (self.new_address(self.pick(range(N_COUNTIES))) if kind == "address" else
                     {"phone": owner.phone, "bank_account": owner.card,
                      "id_number": owner.id_number}[kind])
            self.watchlist.append({"name": owner.name, "kind": "intermediary_person", "type": kind,
                                   "value": value, "day": self.randint(_day(2020, 1, 1), END)})
        honest = [c for c in self.claims if c.kind == "ordinary" and c.phone
                  and c.phone == str(self.own_phone[c.cust])]
        for _ in range(max(1, round(self.scale))):  # a recycled number now held by an honest customer
            if not honest:
                return
            claim = self.pick(honest)
            self.watchlist.append({"name": self.person_name(), "kind": "intermediary_person",
                                   "type": "phone", "value": claim.phone,
                                   "day": self.randint(_day(2019, 1, 1), _day(2020, 12, 31))})

    # ------------------------------------------------------------------ assembling
    def build(self) -> None:
        self.build_agents()
        self.build_customers()
        self.build_policies()
        self.assign_contact_phones()
        self.build_rings()
        self.institutional()
        self.family_representatives()
        self.mass_events()
        self.honest_complainers()
        self.ordinary()
        self.watchlist_noise()
        self.honest_changes()

    # ------------------------------------------------------------------ output
    def ids(self, prefix: str, days: list[int]) -> tuple[list[int], list[str]]:
        """Order records by day (ties at random) and number them per day, as a system does."""
        order = np.lexsort((self.rng.random(len(days)), np.asarray(days, np.int64))).tolist()
        names: list[str] = [""] * len(days)
        last, seq = -1, 0
        for i in order:
            seq = seq + 1 if days[i] == last else 1
            last = days[i]
            names[i] = f"{prefix}{_date(days[i]):%Y%m%d}{seq:04d}"
        return order, names

    def claim_fields(self, claim: _Claim, claim_id: str) -> dict[str, Any]:
        t = self.typist
        rep = claim.rep
        rep_phone = claim.rep_phone or (rep.phone if rep else "")
        cash = self.cash_value(claim.policy, claim.day)
        requested = (self.premiums_paid(claim.policy, claim.day)
                     if claim.refund_type == "full_premium" else cash)
        return {
            "claim_id": claim_id, "policy_id": self.pol_ids[claim.policy],
            "customer_id": self.cust_ids[claim.cust], "request_date": claim.day,
            "channel": claim.channel, "reason_code": claim.reason_code,
            "reason_text": claim.reason_text, "contact_phone": t.phone(claim.phone),
            "payout_account": t.card(claim.payout),
            "payout_account_name": t.name(claim.payout_name) if claim.payout else "",
            "representative_name": t.name(rep.name) if rep else "",
            "representative_id_number": t.id_number(rep.id_number) if rep and self.chance(0.9) else "",
            "representative_phone": t.phone(rep_phone) if rep and self.chance(0.85) else "",
            "cash_value": cash, "requested_amount": requested, "refund_type": claim.refund_type}

    def holdout(self) -> np.ndarray:
        """Which claims are held out: rings at the share (each keeps two in the book), abnormal
        honest requests at 3.5 times the share, ordinary ones filling up to the share overall."""
        share, n = self.holdout_share, len(self.claims)
        held = np.zeros(n, bool)
        ring_rows: dict[int, list[int]] = {}
        for i, c in enumerate(self.claims):
            if c.ring >= 0:
                ring_rows.setdefault(c.ring, []).append(i)
        for rows in ring_rows.values():
            k = min(int(self.rng.binomial(len(rows), share)), max(0, len(rows) - 2))
            held[self.rng.choice(rows, size=k, replace=False)] = True
        abnormal = np.array([c.ring < 0 and (c.refund_type == "full_premium"
                                             or c.reason_code.startswith("complaint"))
                             for c in self.claims], bool)
        held |= abnormal & (self.rng.random(n) < min(1.0, 3.5 * share))
        rest = np.flatnonzero(~abnormal & ~held & (np.array([c.ring for c in self.claims]) < 0))
        need = max(0, round(share * n) - int(held.sum()))
        held[self.rng.choice(rest, size=min(need, len(rest)), replace=False)] = True
        return held

    def write(self, folder: Path) -> dict[str, Any]:
        t, rng = self.typist, self.rng
        folder.mkdir(parents=True, exist_ok=True)
        n, m = self.n, len(self.pol_cust)
        self.cust_ids = [f"KH{v:08d}" for v in (rng.choice(9 * 10**7, size=n, replace=False)
                                                + 10**7).tolist()]

        def frame(table: str, rows: dict[str, Any]) -> pd.DataFrame:
            columns = _columns(table)
            return pd.DataFrame({c: rows[c] for c in columns}, columns=columns)

        def save(table: str, data: pd.DataFrame, sort: str) -> None:
            data.sort_values(sort, kind="stable").to_csv(folder / f"{table}.csv", index=False)

        leave = [_date(d).isoformat() if d > 0 else "" for d in self.agent_leave.tolist()]
        save("agents", frame("agents", {
            "agent_id": self.agent_ids, "name": self.agent_name,
            "phone": [t.phone(p) for p in self.agent_phone],
            "branch": [COUNTIES[c][0] + "支公司" for c in self.agent_county.tolist()],
            "status": np.array(["active", "resigned", "terminated"])[self.agent_status],
            "hire_date": [_date(d).isoformat() for d in self.agent_hire.tolist()],
            "leave_date": leave}), "agent_id")
        save("customers", frame("customers", {
            "customer_id": self.cust_ids, "name": [t.name(x) for x in self.name],
            "id_number": ["" if miss else t.id_number(x) for x, miss in
                          zip(self.id_number, self.id_missing.tolist(), strict=True)],
            "phone": [t.phone(x) for x in self.phone.tolist()],
            "address": [t.address(x) for x in self.address],
            "bank_account": [t.card(x) for x in self.card.tolist()]}), "customer_id")

        claim_order, claim_ids = self.ids("TB", [c.day for c in self.claims])
        requests = [self.claim_fields(self.claims[i], claim_ids[i]) for i in range(len(self.claims))]
        paid_at = np.full(m, EXPORT)
        for c in self.claims:
            paid_at[c.policy] = c.day
        save("policies", frame("policies", {
            "policy_id": self.pol_ids, "customer_id": [self.cust_ids[c] for c in self.pol_cust.tolist()],
            "agent_id": [self.agent_ids[a] for a in self.pol_agent.tolist()],
            "product": [PRODUCTS[p][0] for p in self.pol_product.tolist()],
            "issue_date": np.datetime_as_string(self.pol_issue.astype("datetime64[D]")),
            "annual_premium": [f"{a:.2f}" for a in self.pol_annual.tolist()],
            "premiums_paid": [f"{self.premiums_paid(p, int(d)):.2f}" for p, d in
                              enumerate(paid_at.tolist())]}), "policy_id")

        held = self.holdout()
        book = [i for i in claim_order if not held[i]]
        rows = [dict(requests[i], request_date=t.day(self.claims[i].day),
                     cash_value=f"{requests[i]['cash_value']:.2f}",
                     requested_amount=f"{requests[i]['requested_amount']:.2f}") for i in book]
        pd.DataFrame(rows, columns=_columns("surrenders")).to_csv(
            folder / "surrenders.csv", index=False)
        ring_name = [f"R{c.ring + 1:03d}" if c.ring >= 0 else "" for c in self.claims]
        pd.DataFrame({"claim_id": [claim_ids[i] for i in book],
                      "ring_id": [ring_name[i] for i in book]}).to_csv(folder / "truth.csv", index=False)
        with (folder / "holdout.jsonl").open("w", encoding="utf-8") as out:
            for i in claim_order:
                if held[i]:
                    request = dict(requests[i], request_date=_date(self.claims[i].day).isoformat())
                    out.write(json.dumps({"label": int(self.claims[i].ring >= 0), "request": request},
                                         ensure_ascii=False) + "\n")

        _, complaint_ids = self.ids("TS", [c["day"] for c in self.complaints])
        save("complaints", frame("complaints", {
            "complaint_id": complaint_ids,
            "policy_id": [self.pol_ids[c["pol"]] if c["pol"] >= 0 else "" for c in self.complaints],
            "customer_id": [self.cust_ids[c["cust"]] for c in self.complaints],
            "received_date": [t.day(c["day"]) for c in self.complaints],
            "channel": [c["channel"] for c in self.complaints],
            "text": [c["text"] for c in self.complaints],
            "contact_phone": [t.phone(c["phone"]) for c in self.complaints],
            "mailing_address": [t.address(c["mailing"]) if c["mailing"] else ""
                                for c in self.complaints]}), "complaint_id")

        typed = {"phone": t.phone, "bank_account": t.card, "address": t.address,
                 "id_number": t.id_number}
        _, change_ids = self.ids("BG", [c["day"] for c in self.changes])
        save("contact_changes", frame("contact_changes", {
            "change_id": change_ids, "customer_id": [self.cust_ids[c["cust"]] for c in self.changes],
            "change_date": [_date(c["day"]).isoformat() for c in self.changes],
            "field": [c["field"] for c in self.changes],
            "old_value": [typed[c["field"]](c["old"]) for c in self.changes],
            "new_value": [typed[c["field"]](c["new"]) for c in self.changes],
            "channel": [c["channel"] for c in self.changes]}), "change_id")

        order = np.lexsort((rng.random(len(self.watchlist)),
                            np.array([w["day"] for w in self.watchlist], np.int64)))
        entries = [self.watchlist[i] for i in order.tolist()]
        save("watchlist", frame("watchlist", {
            "entry_id": [f"WL{k + 1:05d}" for k in range(len(entries))],
            "name": [w["name"] for w in entries], "kind": [w["kind"] for w in entries],
            "identifier_type": [w["type"] for w in entries],
            "identifier_value": [typed[w["type"]](w["value"]) for w in entries],
            "source": [self.pick(INTERMEDIARY_SOURCES) for _ in entries],
            "added_date": [_date(w["day"]).isoformat() for w in entries]}), "entry_id")

        kinds: dict[str, int] = {}
        for c in self.claims:
            kinds[c.kind if c.ring < 0 else "ring_" + c.kind] = kinds.get(
                c.kind if c.ring < 0 else "ring_" + c.kind, 0) + 1
        ring_claims = sum(1 for c in self.claims if c.ring >= 0)
        return {
            "customers": n, "agents": len(self.agent_ids), "policies": m,
            "requests": len(self.claims), "surrenders": len(book), "holdout": int(held.sum()),
            "holdout_ring": int(sum(held[i] for i, c in enumerate(self.claims) if c.ring >= 0)),
            "holdout_abnormal_legit": int(sum(held[i] for i, c in enumerate(self.claims)
                                              if c.ring < 0 and (c.refund_type == "full_premium"
                                                                 or c.reason_code.startswith("complaint")))),
            "rings": len(self.rings), "ring_claims": ring_claims,
            "complaints": len(self.complaints), "contact_changes": len(self.changes),
            "watchlist": len(self.watchlist), "requests_by_kind": dict(sorted(kinds.items())),
            "ring_roles": {f"R{r.index + 1:03d}": dict(r.roles, claims=r.size,
                                                      ex_agent=r.ex_agent >= 0,
                                                      public_template=r.public_template)
                           for r in self.rings},
        }


def write_book(folder: Path, customers: int = 30_000, seed: int = 1, rings: int | None = None,
               holdout_share: float = 0.1) -> dict[str, Any]:
    """Write an adversarial book of ``customers`` customers into ``folder``; return its counts.

    ``rings`` overrides the default number of rings (20 per 30 000 customers, at least 2);
    ``holdout_share`` of the surrender requests go to ``holdout.jsonl`` instead of
    ``surrenders.csv``/``truth.csv``. The same arguments give byte-identical files.

    Raises ``ValueError`` for fewer than 1 000 customers, a negative number of rings or a
    hold-out share outside [0, 0.5].
    """
    if customers < 1_000:
        raise ValueError(f"customers must be at least 1000, got {customers}")
    if rings is not None and rings < 0:
        raise ValueError(f"rings must not be negative, got {rings}")
    if not 0 <= holdout_share <= 0.5:
        raise ValueError(f"holdout_share must be within [0, 0.5], got {holdout_share}")
    book = _Book(customers, seed, rings, holdout_share)
    book.build()
    return book.write(Path(folder))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--customers", type=int, default=30_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rings", type=int, default=None)
    parser.add_argument("--holdout-share", type=float, default=0.1)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    summary = write_book(args.folder, args.customers, args.seed, args.rings, args.holdout_share)
    summary["seconds"] = round(time.perf_counter() - started, 1)
    summary.pop("ring_roles")
    print(json.dumps(summary, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
