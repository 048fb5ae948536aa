"""Saskatchewan: not implemented (bill progress is published only as a PDF table).

Registered so that a config naming it fails with a clear error rather than a quiet empty week.
"""

from __future__ import annotations

from sources._provinces import UnsupportedProvince


class Saskatchewan(UnsupportedProvince):
    """Saskatchewan's Legislative Assembly: not implemented (bill progress is published only as a PDF)."""

    type = "ca-sk"
    jurisdictions = "CA-SK"
    jurisdiction = "CA-SK"
    default_base_url = "https://www.legassembly.sk.ca/"
    limits = ("not implemented: parsing the progress-of-bills PDF (the only published form of "
              "Saskatchewan's bill stages); no request is made")
    reason = ("not implemented: parsing the progress-of-bills PDF, the only form in which "
              "Saskatchewan publishes its bills' stages")
    hint = ("disable this source for now; Saskatchewan's bills are at "
            "https://www.legassembly.sk.ca/legislative-business/bills/")
