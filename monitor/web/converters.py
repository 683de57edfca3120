"""`<id:name>` in a route: a record's number checked by monitor.inputs.parse_id, the same
rule as the CLI's ID arguments. A number no row can have (0, 20 digits, "٣") is a 404 page,
never an INTEGER overflow in the database driver."""

from __future__ import annotations

from typing import Any

from werkzeug.routing import BaseConverter, ValidationError

from monitor.inputs import InputError, parse_id


class IdConverter(BaseConverter):
    regex = "[0-9]+"  # ASCII digits: werkzeug's int converter's \\d also takes "٣"
    weight = 50

    def to_python(self, value: str) -> int:
        try:
            return parse_id(value)
        except InputError:
            raise ValidationError() from None

    def to_url(self, value: Any) -> str:
        return str(int(value))
