"""Importing a WordPress export (WXR): `python manage.py import_wxr FILE`.

wxr.py reads and refuses files, content.py turns post and comment HTML into Liaison's text,
importer.py writes it all in one transaction, and models.py remembers what each object was
in WordPress. An app of its own because it needs both blog and comments, and neither of
them imports it.
"""
