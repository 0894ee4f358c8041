"""Node keys: a raw identifier as typed → the key of its node, which defines node identity.

The same identifier typed differently is one key, and an identifier a spreadsheet damaged has
none. Every cell is first cleaned of what spreadsheets and clerks add
(:mod:`~graph.keys.cells`); then each kind has a module (one topic each):
:mod:`~graph.keys.phones`, :mod:`~graph.keys.id_numbers`, :mod:`~graph.keys.bank_accounts`,
:mod:`~graph.keys.text` (names and addresses: ``10幢`` and ``10栋`` are one), :mod:`~graph.keys.persons` (representatives)
and :mod:`~graph.keys.records` (record ids; :mod:`~graph.keys.twins` finds the stored id one
typed another way is a twin of); each gives a scalar function, safe per request,
and a vectorised one for whole columns (:mod:`~graph.keys.columns`) that also says why a
damaged cell has no key. In an association's store record keys carry their insurer's code
(:mod:`~graph.keys.insurers`) and identifiers, names and letters may be keyed hashes
(:mod:`~graph.keys.pseudonyms`). Dates are read one way or refused (:mod:`~graph.keys.dates`),
by ingest and by the score API alike.

>>> normalize_phone("+86 138-1234-5678").value
'+8613812345678'
>>> person_key("李 四", None, "138 1234 5678")
'李四|+8613812345678'
"""

from graph.keys.bank_accounts import BankAccount, normalize_bank_account, normalize_bank_accounts
from graph.keys.cells import blank_cells
from graph.keys.id_numbers import IdNumber, normalize_id_number, normalize_id_numbers
from graph.keys.insurers import namespaced_key, normalize_insurer_code, split_key
from graph.keys.persons import person_key, person_keys, person_shown
from graph.keys.phones import (
    Phone,
    PhoneKind,
    is_number_block,
    normalize_phone,
    normalize_phones,
    number_block,
)
from graph.keys.records import normalize_record_key, normalize_record_keys
from graph.keys.text import normalize_address, normalize_addresses, normalize_text, normalize_texts
from graph.keys.twins import StoredTwin, odd_twins, stored_twin, twin_form, twin_forms, twin_of

__all__ = [
    "BankAccount",
    "IdNumber",
    "Phone",
    "PhoneKind",
    "StoredTwin",
    "blank_cells",
    "is_number_block",
    "namespaced_key",
    "normalize_address",
    "normalize_addresses",
    "normalize_bank_account",
    "normalize_bank_accounts",
    "normalize_id_number",
    "normalize_id_numbers",
    "normalize_insurer_code",
    "normalize_phone",
    "normalize_phones",
    "normalize_record_key",
    "normalize_record_keys",
    "normalize_text",
    "normalize_texts",
    "number_block",
    "odd_twins",
    "person_key",
    "person_keys",
    "person_shown",
    "split_key",
    "stored_twin",
    "twin_form",
    "twin_forms",
    "twin_of",
]
