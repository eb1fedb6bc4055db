"""Email addresses as the command line and the settings give them: one address per
value, nothing that could add a header.

A recipient written as `"a@example.com\\r\\nBcc: b@example.com"` must not become a second
header line of the message, and `a@example.com, b@example.com` given where one recipient
is expected must not quietly become two. Each value is therefore one address, either
bare (`jane@example.com`) or with a display name (`Jane Doe <jane@example.com>`), with no
control character anywhere.
"""

from __future__ import annotations

import re
from email.utils import formataddr, getaddresses

# The address itself, in ASCII (the message is sent without SMTPUTF8): no blanks, quotes,
# brackets, commas or a second '@'; a domain of labels separated by dots.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_ADDR_SPEC = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})*")


class AddressError(ValueError):
    """A value that is not exactly one email address; str() says why."""


def one_address(value: str) -> str:
    """`value` as one address for a header (display name kept); AddressError if it is
    not exactly one address or holds a control character (CR, LF, ...)."""
    if any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in value):
        raise AddressError(
            f"{value!r} contains a line break or another control character; "
            "give one address per value"
        )
    pairs = getaddresses([value])
    addresses = [address for _, address in pairs if address]
    if len(pairs) != 1 or len(addresses) != 1 or not _ADDR_SPEC.fullmatch(addresses[0]):
        raise AddressError(
            f"{value!r} is not one email address (e.g. jane@example.com or "
            "'Jane Doe <jane@example.com>'); repeat the option for more recipients"
        )
    name, address = pairs[0]
    return formataddr((name, address))
