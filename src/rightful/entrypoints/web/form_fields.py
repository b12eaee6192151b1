"""The bounds of the text fields the web forms take. FastAPI refuses a longer value (422)
before a handler runs, so a pasted megabyte never reaches a service."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form

Csrf = Annotated[str, Form(max_length=200)]  # a form's CSRF token
Word = Annotated[str, Form(max_length=40)]  # a choice, a code, a short answer
Line = Annotated[str, Form(max_length=400)]  # a return address, a name, a contact
Reason = Annotated[str, Form(max_length=2000)]  # what staff write to explain an action
