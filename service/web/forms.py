"""Reading one text field of a submitted form, with the error a page shows when it is
missing or too long (naming the field, what was expected, and the fix). Pure."""

from __future__ import annotations

from starlette.datastructures import FormData

__all__ = ["FieldError", "text_field"]


class FieldError(ValueError):
    """A form field that cannot be used: ``field`` is its name, ``message`` the sentence."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def text_field(
    form: FormData,
    name: str,
    label: str,
    *,
    max_length: int,
    hint: str,
    required: bool = True,
) -> str | None:
    """The field's text, stripped; None when empty and not required. Raises
    :class:`FieldError` when it is required and empty, or longer than ``max_length``."""
    raw = form.get(name)
    value = raw.strip() if isinstance(raw, str) else ""
    if not value:
        if required:
            raise FieldError(name, f"{label}: this field is required. {hint}")
        return None
    if len(value) > max_length:
        raise FieldError(name, f"{label}: at most {max_length} characters. {hint}")
    return value
