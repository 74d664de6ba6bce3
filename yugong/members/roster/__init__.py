"""The roster (名册): import of .xlsx rosters and the Excel exports.

* ``models`` — ``RosterImport`` / ``RosterImportError`` (imported by ``members/models.py``).
* ``xlsx`` — the streaming .xlsx reader (standard library); ``parsing`` — header, rows, cells.
* ``lookups``, ``validate`` (pass 1), ``write`` (pass 2), ``progress``, ``run`` (the task's body and
  ``roster_import_create``, the upload).
* ``exports`` — the template, the error report, the member export.
* ``views`` / ``urls`` (mounted at ``members/roster/``) and ``tasks`` (the background task).

Nothing is imported here: ``members.models`` loads ``roster.models`` while the app registry is
still being filled.
"""
