"""Configuration of a synthetic book and the difficulty profiles behind it.

`BookConfig` is what callers set; `Profile` is the table of probabilities a difficulty level
stands for (how often rings use each trick, how many benign look-alikes the book holds).

>>> BookConfig(customers=1_000, seed=7, difficulty="hard").profile.stealth_share
0.2
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

__all__ = ["PROFILES", "BookConfig", "Difficulty", "OutputFormat", "Profile"]

Difficulty = Literal["easy", "normal", "hard", "extreme", "realistic"]
OutputFormat = Literal["csv", "parquet"]


@dataclass(frozen=True)
class Profile:
    """Probabilities behind one difficulty level.

    Ring tricks are drawn per ring member: a member uses a ring phone as contact phone with
    `ring_phone`, has the policy phone changed to a ring phone beforehand with `phone_change`,
    is paid into a ring account with `ring_account`, is represented by a ring representative
    with `representative`, files a template complaint with `complaint`, and so on. A share
    `stealth_share` of members uses no identifier trick at all (only the template, the timing
    and the ex-agent). The remaining fields scale the benign look-alikes: agents whose phone
    is typed for their customers, households sharing a phone, customers without a phone (a
    branch landline is typed instead), payouts to a family member's account, the share of
    legitimate claims filed by honest complainers and how many of them demand a full refund,
    ordinary bursts per 100 000 customers, and households surrendering together.

    `ring_rate` is the level's prevalence (ring claims per 1 000 customers) when the book's
    config sets none; ring sizes are 3 plus a lognormal number of members (`ring_size_median`,
    `ring_size_sigma`), at most `ring_size_max`; `surrender_rate` is the share of customers
    filing an ordinary surrender over two years.

    The remaining fields are the realities of books written outside the project, all off
    (zero) in easy, normal, hard and extreme, which therefore write the books they always
    wrote. Only "realistic" sets them; its values and the reason for each (the source is the
    trade as the domain notes describe it; no real book was available to calibrate against,
    so each figure is a judgement, not a measurement):

    - The old trick rates lie between "hard" and "extreme", bursts last `burst_days` 30-180
      (one to six months), and the old look-alikes run at the rates of "hard": the notes
      give no figures, and a real book should be neither easier than "hard" nor as one-sided
      as "extreme", where every ring hides as well as it can.

    - `ring_variation` 4: each ring draws its own trick rates from a Beta distribution with
      the level's rate as mean and this concentration ("each ring uses each trick only some
      of the time"; a rate of 0.4 spreads over roughly 0.1-0.8 from ring to ring).
    - `coached_share` 0.35, `coached_cash_value` 0.4: coached members are told to give an
      ordinary reason (money need, loan repayment, other); 40 % of them also ask only for
      the cash value. A third, so that most members still complain: the full-refund pressure
      needs it.
    - `fresh_phone_rings` 0.4, `fresh_account_rings` 0.3: rings that hand each member a fresh
      SIM card (the policy phone is changed to it days before the request, and nobody else
      uses it) or open a fresh account in the member's name; in such a ring three in four of
      the members whose phone is changed (or who are paid through the ring) get their own.
      The notes name the fresh SIM as part of the kit collected from customers.
    - `chain_rings` 0.35: rings of six or more members that work in two to four sub-groups by
      date, each with its own phone and account, joined only where one group hands over to
      the next (how a ring rotating numbers looks from one insurer's book).
    - `stealth_letter` 0.5: a stealth member of a ring recruited from a resigned agent's book
      sends a letter only half the time (the rest is tied in by the agent's book and the
      timing alone); outside such rings stealth members always send the ring's letter.
    - `public_templates` 5, `public_template_rings` 0.6: a handful of complaint templates
      circulate publicly, one far more than the rest (Zipf-like); most rings adapt one of
      them rather than write their own, so two rings may send near-identical letters.
    - `template_copiers_per_1k` 3, `copier_surrenders` 0.75, `copier_complaint_reason` 0.8,
      `copier_full_refund` 0.65: honest customers who copy a public template (about 90 in a
      30 000-customer book over two years, as many again as write their own letter): the
      guides are about getting every premium back on mis-selling grounds, so most copiers
      give that reason and ask for it; a quarter keep the policy once the insurer explains
      it (a letter with no surrender).
    - `institutional_reps_per_100k` 20: care-home workers, village committee clerks, legal
      guardians, relatives and HR clerks acting for 5-15 unrelated customers each (about
      six in a 30 000-customer book, some 60 requests): few enough to be rare, enough that
      a shared representative alone cannot mean a ring (`lookalikes.INSTITUTIONS` holds
      their ages, payouts, contact phones and reasons).
    - `dividend_waves_per_100k` 4: about one dividend cut in a 30 000-customer book over
      two years (at least one in any book): 6-15 % of one dividend product's holders in one
      branch surrender within 2-6 weeks, a fifth of them complaining.
    - `orphan_surrender_rate` 0.03: customers of an agent who left surrender 3 % a year more
      than others (no one serves them), spread out after the leaving date.
    - `surrender_rate` 0.033, `ring_rate` 5.5, ring sizes 3 + lognormal(median 3, sigma
      1.2) up to 45 (one ring in fifteen has 20 members or more): about 2 000 surrender
      requests and 20 rings of 3-45 members per 30 000 customers over two years (under 2 %
      of customers a year surrendering for ordinary reasons, plus the look-alikes above;
      8-9 % of requests in rings).
    """

    ring_phone: float
    phone_change: float
    ring_account: float
    representative: float
    complaint: float
    ring_mailing_address: float
    complaint_ring_phone: float
    full_premium: float
    complaint_reason: float
    stealth_share: float
    ex_agent_ring: float
    burst_days: tuple[int, int]
    ring_phones: tuple[int, int]
    ring_accounts: tuple[int, int]
    watchlisted: float
    template_edit_rate: float
    # benign look-alikes
    agent_phone_habit: float
    household_shared_phone: float
    no_phone_share: float
    family_payout: float
    honest_complaint_share: float
    honest_full_refund: float
    benign_waves_per_100k: float
    household_joint_surrender: float
    # prevalence, ring sizes and the ordinary surrender rate
    ring_rate: float = 3.0
    ring_size_median: float = 4.5
    ring_size_sigma: float = 0.8
    ring_size_max: int = 40
    surrender_rate: float = 0.04
    # realities of books written outside the project (off unless set)
    ring_variation: float = 0.0
    coached_share: float = 0.0
    coached_cash_value: float = 0.0
    fresh_phone_rings: float = 0.0
    fresh_account_rings: float = 0.0
    chain_rings: float = 0.0
    stealth_letter: float = 1.0
    public_templates: int = 0
    public_template_rings: float = 0.0
    template_copiers_per_1k: float = 0.0
    copier_surrenders: float = 0.0
    copier_complaint_reason: float = 0.0
    copier_full_refund: float = 0.0
    institutional_reps_per_100k: float = 0.0
    dividend_waves_per_100k: float = 0.0
    orphan_surrender_rate: float = 0.0


PROFILES: dict[str, Profile] = {
    "easy": Profile(
        ring_phone=0.8,
        phone_change=0.6,
        ring_account=0.7,
        representative=0.6,
        complaint=0.9,
        ring_mailing_address=0.7,
        complaint_ring_phone=0.7,
        full_premium=0.9,
        complaint_reason=0.9,
        stealth_share=0.05,
        ex_agent_ring=0.6,
        burst_days=(14, 30),
        ring_phones=(1, 2),
        ring_accounts=(1, 2),
        watchlisted=0.4,
        template_edit_rate=0.01,
        agent_phone_habit=0.05,
        household_shared_phone=0.10,
        no_phone_share=0.04,
        family_payout=0.03,
        honest_complaint_share=0.02,
        honest_full_refund=0.3,
        benign_waves_per_100k=2.0,
        household_joint_surrender=0.15,
    ),
    "normal": Profile(
        ring_phone=0.6,
        phone_change=0.4,
        ring_account=0.55,
        representative=0.45,
        complaint=0.8,
        ring_mailing_address=0.5,
        complaint_ring_phone=0.5,
        full_premium=0.75,
        complaint_reason=0.75,
        stealth_share=0.12,
        ex_agent_ring=0.5,
        burst_days=(21, 45),
        ring_phones=(1, 3),
        ring_accounts=(1, 2),
        watchlisted=0.25,
        template_edit_rate=0.02,
        agent_phone_habit=0.08,
        household_shared_phone=0.15,
        no_phone_share=0.06,
        family_payout=0.05,
        honest_complaint_share=0.035,
        honest_full_refund=0.4,
        benign_waves_per_100k=4.0,
        household_joint_surrender=0.25,
    ),
    "hard": Profile(
        ring_phone=0.5,
        phone_change=0.35,
        ring_account=0.45,
        representative=0.3,
        complaint=0.75,
        ring_mailing_address=0.35,
        complaint_ring_phone=0.35,
        full_premium=0.6,
        complaint_reason=0.6,
        stealth_share=0.2,
        ex_agent_ring=0.45,
        burst_days=(30, 75),
        ring_phones=(2, 4),
        ring_accounts=(1, 3),
        watchlisted=0.15,
        template_edit_rate=0.04,
        agent_phone_habit=0.12,
        household_shared_phone=0.2,
        no_phone_share=0.08,
        family_payout=0.08,
        honest_complaint_share=0.05,
        honest_full_refund=0.5,
        benign_waves_per_100k=8.0,
        household_joint_surrender=0.35,
    ),
    # Realistic-adversarial: each trick used rarely, many members sharing nothing (tied in only
    # by a heavily edited letter, the timing and the ex-agent), slow bursts spread over months,
    # few blacklist hits, and twice the benign look-alikes of "hard".
    "extreme": Profile(
        ring_phone=0.3,
        phone_change=0.2,
        ring_account=0.25,
        representative=0.15,
        complaint=0.55,
        ring_mailing_address=0.2,
        complaint_ring_phone=0.2,
        full_premium=0.45,
        complaint_reason=0.45,
        stealth_share=0.35,
        ex_agent_ring=0.4,
        burst_days=(60, 150),
        ring_phones=(3, 6),
        ring_accounts=(2, 4),
        watchlisted=0.05,
        template_edit_rate=0.08,
        agent_phone_habit=0.2,
        household_shared_phone=0.3,
        no_phone_share=0.12,
        family_payout=0.12,
        honest_complaint_share=0.08,
        honest_full_refund=0.65,
        benign_waves_per_100k=16.0,
        household_joint_surrender=0.5,
    ),
    # What books written outside the project hold (see the field notes above): rings of 3-45
    # members over one to six months, each with its own rates and habits, between hard and
    # extreme on the old tricks; look-alikes at the rates of "hard".
    "realistic": Profile(
        ring_phone=0.45,
        phone_change=0.35,
        ring_account=0.4,
        representative=0.25,
        complaint=0.7,
        ring_mailing_address=0.3,
        complaint_ring_phone=0.3,
        full_premium=0.65,
        complaint_reason=0.7,
        stealth_share=0.25,
        ex_agent_ring=0.45,
        burst_days=(30, 180),
        ring_phones=(2, 5),
        ring_accounts=(1, 4),
        watchlisted=0.1,
        template_edit_rate=0.03,
        agent_phone_habit=0.12,
        household_shared_phone=0.2,
        no_phone_share=0.08,
        family_payout=0.08,
        honest_complaint_share=0.05,
        honest_full_refund=0.5,
        benign_waves_per_100k=8.0,
        household_joint_surrender=0.35,
        ring_rate=5.5,
        ring_size_median=3.0,
        ring_size_sigma=1.2,
        ring_size_max=45,
        surrender_rate=0.033,
        ring_variation=4.0,
        coached_share=0.35,
        coached_cash_value=0.4,
        fresh_phone_rings=0.4,
        fresh_account_rings=0.3,
        chain_rings=0.35,
        stealth_letter=0.5,
        public_templates=5,
        public_template_rings=0.6,
        template_copiers_per_1k=3.0,
        copier_surrenders=0.75,
        copier_complaint_reason=0.8,
        copier_full_refund=0.65,
        institutional_reps_per_100k=20.0,
        dividend_waves_per_100k=4.0,
        orphan_surrender_rate=0.03,
    ),
}


@dataclass(frozen=True)
class BookConfig:
    """What to generate.

    Attributes:
        customers: number of customers (at least 50).
        seed: seed of the random generator; the same config writes byte-identical files.
        difficulty: "easy", "normal", "hard", "extreme" or "realistic" (see `PROFILES`):
            harder books have rings that share fewer identifiers and more benign look-alikes;
            "extreme" is adversarial (each trick used rarely, a third of members stealthy);
            "realistic" adds what books written outside the project hold (see `Profile`).
        ring_rate: prevalence, the expected number of ring surrender claims per 1 000
            customers (0 = no rings; Poisson, and a book with `ring_rate` > 0 holds at least
            one ring even when small); None = the difficulty's own (`Profile.ring_rate`: 3.0,
            and 5.5 for "realistic"). Legitimate surrenders run at about 45 per 1 000
            customers over two years, so 3.0 makes about 6 % of claims ring claims.
        years: years of surrender history ending at `as_of` (1 to 5).
        as_of: export date of the book; every date in it is on or before this day.
        output_format: "csv" (UTF-8) or "parquet".
        messy_share: how sloppily clerks type (0 to 1): the share of phones, bank cards and ID
            numbers typed in a non-canonical way (`+86 138 1234 5678`, groups of four, a
            lower-case x); a third of it for addresses (full-width digits, stray spaces), a
            fifth for dates (`YYYY/MM/DD`, `YYYYMMDD`), a tenth for names (stray spaces).
            0 writes every value in its canonical form.

    >>> BookConfig(customers=10)
    Traceback (most recent call last):
    ...
    ValueError: customers must be at least 50, got 10
    """

    customers: int = 20_000
    seed: int = 0
    difficulty: Difficulty = "normal"
    ring_rate: float | None = None
    years: int = 2
    as_of: date = date(2024, 12, 31)
    output_format: OutputFormat = "csv"
    messy_share: float = 0.3

    def __post_init__(self) -> None:
        if isinstance(self.customers, bool) or not isinstance(self.customers, int):
            raise ValueError(f"customers must be an integer, got {self.customers!r}")
        if self.customers < 50:
            raise ValueError(f"customers must be at least 50, got {self.customers}")
        if self.customers > 20_000_000:
            raise ValueError(f"customers must be at most 20 000 000, got {self.customers}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {self.seed!r}")
        if self.difficulty not in PROFILES:
            raise ValueError(
                f"difficulty must be one of {', '.join(PROFILES)}, got {self.difficulty!r}"
            )
        if self.ring_rate is not None and not 0.0 <= float(self.ring_rate) <= 100.0:
            raise ValueError(
                f"ring_rate (ring claims per 1 000 customers) must be in [0, 100], "
                f"got {self.ring_rate!r}"
            )
        if isinstance(self.years, bool) or not isinstance(self.years, int):
            raise ValueError(f"years must be an integer, got {self.years!r}")
        if not 1 <= self.years <= 5:
            raise ValueError(f"years must be between 1 and 5, got {self.years}")
        if not isinstance(self.as_of, date):
            raise ValueError(f"as_of must be a date, got {self.as_of!r}")
        if self.output_format not in ("csv", "parquet"):
            raise ValueError(f"output_format must be 'csv' or 'parquet', got {self.output_format!r}")
        if not 0.0 <= float(self.messy_share) <= 1.0:
            raise ValueError(f"messy_share must be in [0, 1], got {self.messy_share!r}")

    @property
    def profile(self) -> Profile:
        """The probabilities behind `difficulty`."""
        return PROFILES[self.difficulty]

    @property
    def ring_claims_per_1000(self) -> float:
        """`ring_rate`, or the difficulty's own prevalence when it is not set."""
        return self.profile.ring_rate if self.ring_rate is None else float(self.ring_rate)
