# The import's tests set discussion rules as the comments tests do.
from tests.comments.conftest import discussion_rules  # noqa: F401
