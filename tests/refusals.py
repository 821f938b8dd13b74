"""Reading a service's refusal (portfolio.errors.DomainError) in tests."""

from portfolio.errors import DomainError


def field_errors(error: DomainError) -> dict[str | None, list[str]]:
    """The refusal in the shape of a form's errors: {field: [message]}."""
    return {error.field: [error.message]}
