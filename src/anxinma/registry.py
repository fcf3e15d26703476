"""The one registry of integer labels (spec/anxinma-v1.md §5, spec/anxinma.cddl).

Every integer that names something on the wire is defined here and nowhere
else: COSE header labels and algorithm identifiers (RFC 9052 §3.1, RFC 9053 §2.2),
the registered CWT claims anxinma uses (RFC 8392 §3.1) and the anxinma claims.

anxinma claims use the negative labels -1 .. -24, which CBOR encodes in one
byte.  The CWT registry (RFC 8392 §9.1) leaves only labels below -65536 for
private use, and each of those costs five bytes; with fourteen claims that
would be 56 of the 87 bytes the QR budget leaves for claims.  The spec (§5.2)
justifies the choice: anxinma claims sets are only ever read behind the
``AXM1:`` prefix, never by a generic CWT processor.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = [
    "ALG_EDDSA",
    "Claim",
    "DirectoryClaim",
    "DocumentType",
    "EnterpriseLabel",
    "Header",
    "IssuerLabel",
    "KeyLabel",
    "StatusListClaim",
    "TrustListClaim",
    "VisitClaim",
]

#: COSE algorithm identifier of EdDSA (RFC 9053 §2.2); the only one accepted.
ALG_EDDSA = -8


class Header(IntEnum):
    """COSE header parameters (RFC 9052 §3.1) allowed in the protected header."""

    ALG = 1
    KID = 4
    TYP = 16  # RFC 9596: media type of a signed document (never in a credential)


class Claim(IntEnum):
    """Claim labels of an anxinma v1 claims set (spec §5)."""

    # Registered CWT claims (RFC 8392 §3.1).
    EXP = 4
    NBF = 5
    IAT = 6
    # anxinma claims (spec §5.2).
    NAME = -1
    CARD_NO = -2
    ENTERPRISE = -3
    REGION = -4
    IDENTITY = -5
    ID_REGION = -6
    SERVICES = -7
    BACKGROUND_CHECKED_ON = -8
    HEALTH_EXAM_VALID_UNTIL = -9
    INSURANCE_VALID_UNTIL = -10
    TRAINING_HOURS = -11
    CREDIT_SCORE = -12
    RATING = -13
    STATUS = -14

    @property
    def field(self) -> str:
        """The record field name this label carries (e.g. ``name``)."""
        return _FIELDS.get(self, self.name.lower())


_FIELDS = {
    Claim.ENTERPRISE: "enterprise_uscc",
    Claim.IDENTITY: "identity",
    Claim.BACKGROUND_CHECKED_ON: "background_check",
    Claim.EXP: "exp",
    Claim.NBF: "nbf",
    Claim.IAT: "iat",
}


class DocumentType:
    """Media types of signed documents, in protected header label 16 (RFC 9596; spec §15)."""

    TRUST_LIST = "application/anxinma-trust+cwt"
    STATUS_LIST = "application/statuslist+cwt"  # draft-ietf-oauth-status-list §5.2
    DIRECTORY = "application/anxinma-directory+cwt"


class TrustListClaim(IntEnum):
    """Claims of a trust list (spec §15.2)."""

    EXP = 4
    IAT = 6
    SEQUENCE = -1
    ISSUERS = -2


class IssuerLabel(IntEnum):
    """Keys of one issuer entry in a trust list (spec §15.2)."""

    ID = 1
    NAME = 2
    REGIONS = 3
    KEYS = 4


class KeyLabel(IntEnum):
    """Keys of one issuer key entry in a trust list (spec §15.2)."""

    KID = 1
    PUBLIC_KEY = 2
    STATE = 3
    VALID_FROM = 4
    VALID_UNTIL = 5


class StatusListClaim(IntEnum):
    """Claims of a Status List Token in CWT form (draft-ietf-oauth-status-list §5.2)."""

    SUB = 2
    EXP = 4
    IAT = 6
    STATUS_LIST = 65533
    TTL = 65534


class DirectoryClaim(IntEnum):
    """Claims of an enterprise directory (spec §15.4)."""

    EXP = 4
    IAT = 6
    SEQUENCE = -1
    ENTERPRISES = -2


class EnterpriseLabel(IntEnum):
    """Keys of one enterprise entry in a directory (spec §15.4)."""

    USCC = 1
    NAME = 2
    DISTRICT = 3
    REGION = 4


class VisitClaim(IntEnum):
    """Claims of a visit record (spec/visit-v1.md §3), a document of type
    ``application/anxinma-visit+cwt`` made and signed by a household's device."""

    IAT = 6  # when the device made and signed the record
    RECORD_ID = -1
    DEVICE_KEY = -2
    CREDENTIAL = -3
    ISSUER = -4
    VERDICT = -5
    REASONS = -6
    SCANNED_AT = -7
    ENTERED_AT = -8
    STARS = -9
    TAGS = -10
    COMPLAINT = -11

    @property
    def field(self) -> str:
        """The JSON field name of this claim (spec/visit-v1.md §4)."""
        return "made_at" if self is VisitClaim.IAT else self.name.lower()
