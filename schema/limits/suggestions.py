"""Production names nothing the client did not send: every "Did you mean …?" that graphql-core
adds to an error (fields, arguments, types, enum values, input fields, in validation and in the
coercion of variables) is cut from the message.

graphql-core 3.3 has a `hide_suggestions` switch, but strawberry passes it neither to
validation nor to execution nor to subscriptions; cutting the text from every error the schema
answers with covers each of those paths, and any rule added later, in one place.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from graphql import GraphQLError

_SUGGESTION = re.compile(r"\s*Did you mean\b[^?]*\?")


def remove_suggestions(errors: Iterable[GraphQLError]) -> None:
    for error in errors:
        error.message = _SUGGESTION.sub("", error.message)
