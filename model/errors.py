"""One error type for bad input, so every interface can report it the same way.

The command line turns it into one line and exit code 2; the dashboard shows it
in the page. It always names where (file), what (field path) and what is allowed.
"""

from __future__ import annotations


class InputError(ValueError):
    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        field: str | None = None,
        allowed: str | None = None,
    ):
        self.file, self.field, self.allowed, self.detail = file, field, allowed, message
        super().__init__(self.render())

    def render(self) -> str:
        where = ": ".join(p for p in (self.file, self.field) if p)
        text = f"{where}: {self.detail}" if where else self.detail
        if self.allowed:
            text += f" (allowed: {self.allowed})"
        return text
