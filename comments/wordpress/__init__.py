"""Importing a WordPress export (WXR): `python manage.py import_wxr FILE`.

wxr.py reads and refuses files, content.py turns post and comment HTML into Liaison's text,
importer.py writes it all in one transaction. It lives in the comments app because it
needs both apps, and blog never imports comments.
"""

from .importer import KINDS, Report, import_export
from .wxr import NotAnExport, read_export

__all__ = ["KINDS", "NotAnExport", "Report", "import_export", "read_export"]
