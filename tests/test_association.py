"""An association of insurers: insurer codes, pseudonymized books, detection across members,
the store's contents, refusals and re-identification at home."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from api.association import DETECTION_READERS, pseudonymizer
from detectors.evaluate import evaluate
from detectors.insurers import ACROSS_INSURERS, span_sentences
from detectors.templates import jaccard, letter_shingles, shingles
from graph.errors import InputError
from graph.keys import normalize_bank_account, normalize_id_number, normalize_phone, normalize_text
from graph.keys.pseudonyms import Pseudonymizer, is_pseudonym
from graph.model import Label, Rel
from graph.sqlite_store import SQLiteStore
from graph.store import GraphStore
from ingest import ValidationError, ingest_folder, load_book, read_book
from ingest.pseudonymize import pseudonymize_book
from ingest.reveal import reveal
from ingest.synthetic import BookConfig, generate_book
from ingest.synthetic.split import split_book
from tests.association_books import CODES, Association

pytestmark = pytest.mark.slow


def _csv(folder: Path, table: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False)


# ---------------------------------------------------------------------------- detection
def test_split_pseudonymized_book_finds_the_rings_of_the_whole_book(association: Association) -> None:
    with SQLiteStore(association.raw_store) as raw, SQLiteStore(association.store) as assoc:
        whole = evaluate(raw, association.book / "truth.csv", baselines=()).rows()[0]
        split = evaluate(assoc, association.truth, baselines=()).rows()[0]
        rings = [r for r in assoc.rings() if r.score >= 0.5]
    assert whole["claim_f1"] >= 0.9
    assert abs(split["claim_f1"] - whole["claim_f1"]) <= 0.03
    assert split["ring_recall"] == whole["ring_recall"]
    spanning = [r for r in rings if len({c.split(":")[0] for c in r.claim_ids}) >= 2]
    assert spanning, "no ring spans two member insurers"
    for ring in spanning:
        first = ring.evidence[0]
        counts = {code: sum(c.startswith(f"{code}:") for c in ring.claim_ids) for code in CODES}
        assert first.code == ACROSS_INSURERS
        assert first.data["insurers"] == {c: n for c, n in counts.items() if n}
        assert first.en.startswith(f"{len(ring.claim_ids)} claims at {len(first.data['insurers'])} "
                                   "member insurers (")
        for link in first.data["links"]:
            assert link["en"].startswith(f"{link['count']} claims at {len(link['insurers'])} member insurers ")
    tied = [link for r in spanning for link in r.evidence[0].data["links"] if link["code"].startswith("shared_")]
    assert tied, "no identifier ties claims of two member insurers"


def test_letter_sketches_keep_the_similarity_of_letters(association: Association) -> None:
    letters = [t for folder in association.raw.values() for t in _csv(folder, "complaints")["text"] if t]
    hasher = pseudonymizer(association.key_file)
    sketches = [hasher.letter(t) or "" for t in letters]
    rng = np.random.default_rng(0)
    for i, j in rng.integers(0, len(letters), size=(300, 2)).tolist():
        assert jaccard(letter_shingles(sketches[i]), letter_shingles(sketches[j])) == pytest.approx(
            jaccard(shingles(letters[i]), shingles(letters[j])), abs=0.01)


# ---------------------------------------------------------------------------- what the store holds
def _raw_samples(association: Association, per_kind: int = 100) -> dict[str, list[tuple[str, str]]]:
    """A sample of the members' raw values: (as typed, as normalized) per kind."""
    found: dict[str, set[tuple[str, str]]] = {"phones": set(), "id_numbers": set(),
                                              "bank_cards": set(), "names": set(), "letters": set()}
    for folder in association.raw.values():
        claims, customers = _csv(folder, "surrenders"), _csv(folder, "customers")
        for typed in list(claims["contact_phone"]) + list(customers["phone"]):
            phone = normalize_phone(typed)
            if typed and phone is not None and phone.kind == "mobile":
                found["phones"].add((typed, phone.value))
        for typed in customers["id_number"]:
            number = normalize_id_number(typed)
            if typed and number is not None:
                found["id_numbers"].add((typed, number.value))
        for typed in list(claims["payout_account"]) + list(customers["bank_account"]):
            card = normalize_bank_account(typed)
            if typed and card is not None:
                found["bank_cards"].add((typed, card.value))
        found["names"] |= {(n, str(normalize_text(n))) for n in customers["name"]
                           if len(normalize_text(n) or "") >= 2}
        found["letters"] |= {(t, (clean := str(normalize_text(t)))[len(clean) // 3: len(clean) // 3 + 24])
                             for t in _csv(folder, "complaints")["text"] if len(t) >= 60}
    rng = np.random.default_rng(0)
    return {kind: [pairs[i] for i in rng.choice(len(pairs), min(per_kind, len(pairs)), replace=False)]
            for kind, pairs in ((k, sorted(v)) for k, v in found.items())}


def _found_in(data: bytes, values: dict[str, list[str]]) -> dict[str, list[str]]:
    return {kind: sorted(v for v in vs if v.encode("utf-8") in data) for kind, vs in values.items()}


def _file_bytes(store: Path) -> bytes:
    return b"".join(p.read_bytes() for p in (store, Path(f"{store}-wal")) if p.exists())


def _dump(store: Path) -> bytes:
    """Every row of every table as SQL text: what the file's pages hold, read through SQLite (a
    value the file splits across two pages shows whole here)."""
    with sqlite3.connect(store) as conn:
        return "\n".join(conn.iterdump()).encode("utf-8")


def test_association_store_holds_no_raw_identifier_name_or_letter(association: Association) -> None:
    samples = _raw_samples(association)
    assert min(len(v) for v in samples.values()) >= 40
    typed = {kind: [t for t, _ in pairs if kind != "letters"] for kind, pairs in samples.items()}
    normalized = {kind: [n for _, n in pairs] for kind, pairs in samples.items()}
    searched = {kind: typed[kind] + normalized[kind] for kind in samples}
    nothing: dict[str, list[str]] = {kind: [] for kind in samples}
    assert _found_in(_file_bytes(association.store), searched) == nothing
    assert _found_in(_dump(association.store), searched) == nothing
    exports = b"".join(p.read_bytes() for folder in association.pseudonymized.values()
                       for p in folder.iterdir())
    assert _found_in(exports, searched) == nothing
    # the search finds what is there: the whole book's raw store holds every normalized value
    assert _found_in(_dump(association.raw_store), normalized) == {k: sorted(v) for k, v in normalized.items()}
    in_file = _found_in(_file_bytes(association.raw_store), normalized)
    assert all(len(in_file[k]) >= 0.5 * len(v) for k, v in normalized.items())


def test_identifier_nodes_are_pseudonyms_shared_by_members(association: Association) -> None:
    with SQLiteStore(association.store) as store:
        phones = store.nodes_frame(Label.PHONE)
        assert phones["key"].map(is_pseudonym).all()
        members = store.nodes_frame(Label.INSURER)
        assert sorted(members["key"]) == list(CODES)
        assert members["key_id"].nunique() == 1 and members["pseudonymized"].all()
        edges = store.edges_frame(Label.CUSTOMER, "HAS_PHONE", Label.PHONE)
        insurers_per_phone = edges.assign(code=edges["src"].str.split(":").str[0]).groupby("dst")["code"].nunique()
        assert (insurers_per_phone >= 2).any()


# ---------------------------------------------------------------------------- refusals
def _snapshot(store: GraphStore) -> tuple[object, str]:
    return store.counts().as_dict(), store.data_fingerprint()


def test_book_hashed_with_another_key_is_refused(association: Association, tmp_path: Path) -> None:
    other = pseudonymizer(association.other_key_file)
    out = tmp_path / "PA-other-key"
    pseudonymize_book(read_book(association.raw["PA"], insurer="PA"), other, "PA", out)
    copy = tmp_path / "association.db"
    shutil.copy(association.store, copy)
    with SQLiteStore(copy) as store:
        before = _snapshot(store)
        with pytest.raises(InputError, match=r"hashed with key .* one association, one key"):
            ingest_folder(out, store)
        assert _snapshot(store) == before


def test_raw_and_pseudonymized_books_do_not_mix(association: Association, tmp_path: Path) -> None:
    copy = tmp_path / "association.db"
    shutil.copy(association.store, copy)
    with SQLiteStore(copy) as store:
        before = _snapshot(store)
        with pytest.raises(InputError, match=r"holds pseudonymized books .* refuses a raw one"):
            ingest_folder(association.raw["PA"], store, insurer="PA")
        with pytest.raises(InputError, match="load this book with --insurer"):
            ingest_folder(association.book, store)
        assert _snapshot(store) == before
    with SQLiteStore(tmp_path / "raw-members.db") as store:
        ingest_folder(association.raw["PA"], store, insurer="PA")
        with pytest.raises(InputError, match=r"holds raw books .* refuses a pseudonymized one"):
            ingest_folder(association.pseudonymized["PB"], store)
    with SQLiteStore(tmp_path / "single.db") as store:
        ingest_folder(association.raw["PA"], store)
        with pytest.raises(InputError, match="loaded without an insurer code"):
            ingest_folder(association.raw["PB"], store, insurer="PB")


def test_pseudonymized_book_refuses_values_in_the_clear(association: Association, tmp_path: Path) -> None:
    folder = tmp_path / "PB"
    shutil.copytree(association.pseudonymized["PB"], folder)
    claims = _csv(folder, "surrenders")
    claims.loc[3, "contact_phone"] = "138 1234 5678"
    claims.to_csv(folder / "surrenders.csv", index=False)
    letters = _csv(folder, "complaints")
    letters.loc[0, "text"] = "本人要求全额退保"
    letters.to_csv(folder / "complaints.csv", index=False)
    with pytest.raises(ValidationError) as refused:
        read_book(folder)
    where = {(p.file, p.row, p.column) for p in refused.value.errors}
    assert where == {("surrenders.csv", 5, "contact_phone"), ("complaints.csv", 2, "text")}
    with pytest.raises(ValidationError, match="pseudonymized for insurer PB, not PA"):
        read_book(association.pseudonymized["PB"], insurer="PA")


# ---------------------------------------------------------------------------- reveal
def test_reveal_finds_the_members_own_records_only(association: Association) -> None:
    hasher = pseudonymizer(association.key_file)
    with SQLiteStore(association.store) as store:
        ring = next(r for r in store.rings() if r.score >= 0.5
                    and any(c.startswith("PA:") for c in r.claim_ids)
                    and any(not c.startswith("PA:") for c in r.claim_ids))
    wanted = [i.value for i in ring.identifiers]
    found = reveal(read_book(association.raw["PA"], insurer="PA"), hasher, "PA", wanted)
    assert found and {r.pseudonym for r in found} <= set(wanted)
    claims = _csv(association.raw["PA"], "surrenders").set_index("claim_id")
    for r in (r for r in found if r.table == "surrenders" and r.column == "contact_phone"):
        assert normalize_phone(claims.at[r.record, "contact_phone"]).value == r.value  # type: ignore[union-attr]
    pb_only = {i.value for i in ring.identifiers} - {r.pseudonym for r in found}
    assert not reveal(read_book(association.raw["PA"], insurer="PA"), hasher, "PA", pb_only)


# ---------------------------------------------------------------------------- insurer codes
@pytest.fixture(scope="module")
def small_split(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("small")
    generate_book(root / "book", BookConfig(customers=800, seed=4))
    return split_book(root / "book", root, ["PA", "PB"], seed=4)


def test_members_records_are_namespaced_and_reloading_one_touches_only_its_own(
        store: GraphStore, small_split: dict[str, Path], tmp_path: Path) -> None:
    for code, folder in small_split.items():
        ingest_folder(folder, store, insurer=code)
    claims = store.nodes_frame(Label.CLAIM)
    assert claims["key"].str.match(r"^P[AB]:S\d+$").all()
    assert (claims["key"].str[:2] == claims["insurer"]).all()
    pb = {label: store.nodes_frame(label) for label in (Label.CLAIM, Label.CUSTOMER, Label.POLICY)}
    newer = tmp_path / "PA-newer"
    shutil.copytree(small_split["PA"], newer)
    surrenders = _csv(newer, "surrenders")
    surrenders["channel"] = "app"
    surrenders.to_csv(newer / "surrenders.csv", index=False)
    ingest_folder(newer, store, insurer="PA")
    after = store.nodes_frame(Label.CLAIM)
    assert set(after.loc[after["key"].str.startswith("PA:"), "channel"]) == {"app"}
    for label, frame in pb.items():
        mine = store.nodes_frame(label)
        pd.testing.assert_frame_equal(
            mine[mine["key"].str.startswith("PB:")].reset_index(drop=True),
            frame[frame["key"].str.startswith("PB:")].reset_index(drop=True))


def test_a_store_without_insurer_codes_is_as_before(store: GraphStore, small_split: dict[str, Path]) -> None:
    ingest_folder(small_split["PA"], store)
    assert not store.nodes_frame(Label.CLAIM)["key"].str.contains(":").any()
    assert store.counts().nodes["Insurer"] == 0


def test_insurer_column_names_each_rows_insurer(small_split: dict[str, Path], tmp_path: Path) -> None:
    folder = tmp_path / "coded"
    shutil.copytree(small_split["PA"], folder)
    for table in ("agents", "customers", "policies", "surrenders", "complaints", "contact_changes",
                  "watchlist"):
        frame = _csv(folder, table)
        frame["保险公司代码"] = "pa"
        frame.to_csv(folder / f"{table}.csv", index=False)
    book = read_book(folder)
    assert book.insurers == ["PA"] and book.tables["policies"]["customer_id"].str.startswith("PA:").all()
    customers = _csv(folder, "customers")
    customers.loc[0, "保险公司代码"] = "PB"
    customers.loc[1, "保险公司代码"] = ""
    customers.loc[2, "保险公司代码"] = "P-A"
    customers.to_csv(folder / "customers.csv", index=False)
    with pytest.raises(ValidationError) as refused:
        read_book(folder, insurer="PA")
    reasons = {(p.row, p.reason.split(" (")[0].split(";")[0]) for p in refused.value.errors
               if p.file == "customers.csv"}
    assert (2, "names another insurer than PA") in reasons
    assert (4, "not an insurer code") in reasons
    with pytest.raises(ValidationError) as mixed:
        read_book(folder)
    assert any(p.row == 3 and p.reason.startswith("no insurer while other rows name one")
               for p in mixed.value.errors)


def test_one_identifier_typed_two_ways_is_one_pseudonym() -> None:
    hasher = Pseudonymizer(b"k" * 32, DETECTION_READERS)
    typed = ["+86 138-1234-5678", "１３８１２３４５６７８", "13812345678.0"]
    keys = {hasher.node_key(Label.PHONE, normalize_phone(t).value) for t in typed}  # type: ignore[union-attr]
    assert len(keys) == 1
    assert hasher.node_key(Label.PHONE, "+8613812345678") != Pseudonymizer(
        b"j" * 32, DETECTION_READERS).node_key(Label.PHONE, "+8613812345678")
    assert hasher.name("王芳")[0] == hasher.name("王强")[0] != hasher.name("李芳")[0]  # type: ignore[index]
    assert hasher.name("赣州某某咨询服务有限公司") == "赣州某某咨询服务有限公司"


def test_load_book_refuses_before_writing(association: Association, tmp_path: Path) -> None:
    """check, then load: a refused member book leaves a new store empty of records."""
    with SQLiteStore(tmp_path / "single.db") as store:
        ingest_folder(association.raw["PC"], store)
        before = _snapshot(store)
        with pytest.raises(InputError):
            load_book(read_book(association.pseudonymized["PC"]), store)
        assert _snapshot(store) == before


def test_a_clear_in_a_members_export_stays_a_clear_when_pseudonymized(tmp_path: Path) -> None:
    from tests.test_ingest import base_book, write_book

    hasher = Pseudonymizer(b"k" * 32, DETECTION_READERS)
    with SQLiteStore(tmp_path / "association.db") as store:
        pseudonymize_book(read_book(write_book(tmp_path / "book"), insurer="PA"), hasher, "PA", tmp_path / "pb")
        ingest_folder(tmp_path / "pb", store)
        assert len(store.edges_from(Label.CLAIM, Rel.REPRESENTED_BY, Label.PERSON, ["PA:S1"])) == 1
        request = {**base_book()["surrenders"][0], "representative_name": "#CLEAR",
                   "representative_phone": ""}
        export = write_book(tmp_path / "day", {"surrenders": [request]})
        pseudonymize_book(read_book(export, insurer="PA", store=store), hasher, "PA", tmp_path / "day-pb")
        assert _csv(tmp_path / "day-pb", "surrenders")["representative_name"].tolist() == ["#CLEAR"]
        assert ingest_folder(tmp_path / "day-pb", store).removed.cleared == 1
        assert store.edges_from(Label.CLAIM, Rel.REPRESENTED_BY, Label.PERSON, ["PA:S1"]).empty
        assert len(store.edges_from(Label.CLAIM, Rel.REPRESENTED_BY, Label.PERSON, ["PA:S2"])) == 1


@pytest.mark.parametrize(("code", "en"), [
    ("watchlist", "14 claims at 3 member insurers are linked to identifiers on the watchlist"),
    ("burst", "14 claims at 3 member insurers were filed in a burst of a few days"),
    ("full_refund_complaints", "14 claims at 3 member insurers include demands of a full premium "
                               "refund on complaint grounds"),
    ("more_shared_identifiers", "14 claims at 3 member insurers share more identifiers used by "
                                "unrelated households"),
    ("no_refund_demands", "14 claims at 3 member insurers demand full premium refunds, give "
                          "complaint reasons or show an agency's hand no more often than the book's requests"),
    ("no_shared_ties", "14 claims at 3 member insurers share no contact, account, representative "
                       "or address"),
])
def test_evidence_cut_to_counts_for_a_member_reads_as_a_sentence(code: str, en: str) -> None:
    """A member's view of a ring spanning others: each item keeps a sentence, not its code."""
    zh, said = span_sentences(code, 14, 3)
    assert said == en and code not in zh
