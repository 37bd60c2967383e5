"""E-mail addresses, normalised one way everywhere, so two spellings never name two mailboxes.

No imports from the domain: models, forms, allauth's adapter and migrations all use it.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

# Scripts that may share one domain label (after Unicode TR 39, "highly restrictive"):
# Latin with the scripts of Japanese, Chinese or Korean; any script alone.
ALLOWED_SCRIPT_MIXES = (
    frozenset({"LATIN", "CJK", "HIRAGANA", "KATAKANA", "KATAKANA-HIRAGANA"}),
    frozenset({"LATIN", "CJK", "BOPOMOFO"}),
    frozenset({"LATIN", "CJK", "HANGUL"}),
)
INVALID = "Enter a valid e-mail address."
# An address as almost every stored one is (normalize_email): ASCII letters, digits, dots,
# "_", "+" and "-" before the "@", ASCII labels after it. What the e-mail header parser
# reads from it is itself, so the mail code may take it as it is (config/mail.py,
# notifications/emails.py); any other address is parsed.
PLAIN_ADDRESS = re.compile(
    r"[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*"
    r"@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
)
LOOK_ALIKE = "This address mixes alphabets in its domain (a look-alike); check its spelling."


def normalize_email(value: str) -> str:
    """The one spelling of an address: NFKC and case-folded, domain in IDNA (ASCII) form.

    "\u017fue@Exämple.org" (long s) and "SUE@exämple.ORG" both become
    "sue@xn--exmple-cua.org". A domain label that mixes scripts ("paypal.com" spelt with a
    Cyrillic a) is a ValidationError.
    """
    address = unicodedata.normalize("NFKC", value.strip())
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        raise ValidationError(INVALID, code="invalid")
    local = unicodedata.normalize("NFKC", local.casefold())
    domain = unicodedata.normalize("NFKC", domain.casefold()).rstrip(".")
    for label in domain.split("."):
        if mixes_scripts(label):
            raise ValidationError(LOOK_ALIKE, code="look_alike")
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise ValidationError(INVALID, code="invalid") from exc
    address = f"{local}@{ascii_domain}"
    validate_email(address)
    if len(address) > 254:
        raise ValidationError(INVALID, code="invalid")
    return address


def same_address(a: str, b: str) -> bool:
    """Do two addresses, as typed or as stored (perhaps before normalising), name one mailbox?"""
    return _lenient(a) == _lenient(b)


def _lenient(value: str) -> str:
    try:
        return normalize_email(value)
    except ValidationError:
        return value.strip().lower()


def mixes_scripts(label: str) -> bool:
    scripts = {_script(ch) for ch in label if ch.isalpha()}
    if len(scripts) <= 1:
        return False
    return not any(scripts <= allowed for allowed in ALLOWED_SCRIPT_MIXES)


def _script(ch: str) -> str:
    # The first word of a letter's Unicode name is its script ("LATIN SMALL LETTER A",
    # "CYRILLIC SMALL LETTER A", "CJK UNIFIED IDEOGRAPH-4E2D"); good enough for letters.
    return unicodedata.name(ch, "UNKNOWN").split(" ", 1)[0]
